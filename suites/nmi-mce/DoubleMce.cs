using System.Text.Json;
using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;
using Rig.Suites.NmiMce.Records;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.double-mce: a second #MC while MCG_STATUS.MCIP is set must shut the vCPU down; the target reports a guest
/// shutdown or reset (QMP SHUTDOWN/RESET with guest=true, or the probe's second boot) instead of delivering it,
/// crashing or hanging (seed 004 item 7).
/// </summary>
[TestFixture]
public sealed class DoubleMce
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: "window_us=1000000", vcpus: 2);
        var guestEvents = await GuestShutdownsAsync(c, c.RunToExitAsync(TimeSpan.FromSeconds(60)));
        c.Oracle("SDM Vol. 3B 16.3.1.2: a machine check while MCIP is set puts the processor in shutdown");
        var records = c.Records;
        var trace = TraceEvent.FromRecords(records);
        foreach (var r in records.Where(r => r.Kind is TraceEventRecord.Kind or TraceSummaryRecord.Kind or AfterShutdownRecord.Kind))
        {
            c.Evidence("observed: " + r.Line);
        }

        guestEvents.ForEach(e => c.Evidence("qmp event: " + e));
        if (NmiTrace.RefusedInjection(trace) is { } refused)
        {
            c.Skip($"the target cannot inject a machine check on request: {refused}");
            c.Complete();
            return;
        }

        bool shutdown = guestEvents.Count > 0 || records.Any(r => r.Kind == AfterShutdownRecord.Kind);
        c.ReportAll(DoubleMceRules.Check(trace, shutdown));

        c.JudgeProbeVerdicts();
        c.Complete("the second #MC shut the vCPU down");
    }

    /// <summary>
    /// The guest-caused SHUTDOWN and RESET events until the probe exits. A SHUTDOWN ends the wait: rig-hv keeps a shut-down
    /// VM stopped for inspection (as QEMU with -no-shutdown), so no exit follows; QEMU's reset reboots the probe into boot 2.
    /// </summary>
    private static async Task<List<string>> GuestShutdownsAsync(RigCase c, Task exit)
    {
        var seen = new List<string>();
        while (!exit.IsCompleted)
        {
            var readable = c.Vm.Events.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(exit, readable) != readable || !await readable)
            {
                break;
            }

            while (c.Vm.Events.TryRead(out var e))
            {
                if (e.Name is "SHUTDOWN" or "RESET" && e.Data is { } data && data.TryGetProperty("guest", out var guest) && guest.ValueKind == JsonValueKind.True)
                {
                    seen.Add($"{e.Name} {data}");
                }
            }

            if (seen.Any(e => e.StartsWith("SHUTDOWN", StringComparison.Ordinal)))
            {
                return seen;
            }
        }

        await exit;
        return seen;
    }
}
