using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.nmi-blocking: while the vCPU is inside its NMI handler, the host injects NMIs (COM2 `nmi`, the target's
/// inject-nmi) and the vCPU sends itself one more: none may be delivered before the handler's IRET, exactly one right
/// after it. The probe's handler stays in the architectural handler (no IRET) until it returns, so the injections
/// land provably inside the blocking window (seed 004: a VMM that drops, or delivers early, NMIs that arrive there).
/// </summary>
[TestFixture]
public sealed class NmiBlocking
{
    private const int Rounds = 3;
    private const int Requests = 2;

    /// <summary>The probe waits for each request's ack up to Control.AnswerBoundUs (30 s); a slow target is not a hung one.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60 + (Rounds * Requests * 30));

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: $"rounds={Rounds} requests={Requests} window_us=20000", vcpus: 2, watchdog: Bound);
        var exit = await c.RunToExitAsync(Bound);
        c.Oracle("SDM Vol. 3A 6.7.1: NMIs are blocked from the NMI handler's entry to its IRET; one arriving meanwhile is " +
                 "latched and delivered after the IRET, and only one");
        var trace = NmiTrace.Read(c, exit);
        if (trace.Count == 0)
        {
            return;
        }

        if (NmiTrace.RefusedInjection(trace) is { } refused)
        {
            c.Skip($"the target cannot inject an NMI on request: {refused}");
            c.Complete();
            return;
        }

        var finding = NmiBlockingRules.Check(trace, Rounds);
        c.ReportAll(finding.Problems);

        foreach (var us in finding.LatchLatenciesUs)
        {
            c.Metric("latched_nmi_latency_us", us, "us");
        }

        c.Finish(exit, $"{Rounds} rounds: no NMI inside the handler, one latched NMI after each IRET");
    }
}
