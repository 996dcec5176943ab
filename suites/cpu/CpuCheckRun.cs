using Rig.Cases;
using Rig.Com2;
using Rig.Qmp;
using Rig.Suites.Cpu.Oracles;

namespace Rig.Suites.Cpu;

/// <summary>
/// The one way every cpu.* case runs: boot probes/CpuChecks.cs with `check=&lt;case&gt;`, let it run to its exit while
/// watching for the VM to stop (QEMU keeps a VM stopped by a KVM internal error paused: query-status says
/// internal-error; rig-hv ends with its panic), judge the records with <see cref="CpuRules"/>, and where rig.json
/// declares a deviation a known limit of this target on this host (targets.&lt;t&gt;.hostLimits: this check's measured
/// outcome, or the whole case), report it as a known-deviation skip with the same evidence instead of a failure; a run
/// that did not show what the target does with the instruction (<see cref="CpuRules.Unobserved"/>: a silent boot, an
/// interrupt that never came) is never excused so.
/// </summary>
public static class CpuCheckRun
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <param name="scenario">What the host plays while the guest runs; it returns why the target cannot play it (a skip), or null.</param>
    /// <param name="vcpus">vCPUs to boot, for a check that compares them.</param>
    /// <param name="hostActions">What the host answers on COM2, for a scenario the guest follows; null: the standard actions.</param>
    public static async Task RunAsync(string target, string check, string append = "", Func<RigCase, Task<string?>>? scenario = null, int vcpus = 1,
        IHostActionHandler? hostActions = null)
    {
        await using var c = await RigCase.BootAsync(target, append: $"check={check} {append}".TrimEnd(), vcpus: vcpus, hostActions: hostActions, probe: "CpuChecks");
        c.Oracle(CpuRules.Citation(check));
        var exitTask = c.RunToExitAsync(Bound);
        if (scenario is not null && await scenario(c) is { } cannot)
        {
            c.Skip(cannot);
            await c.Vm.QuitAsync(TimeSpan.FromSeconds(10));
            await exitTask;
            c.Complete();
            return;
        }

        string? stop = await WatchForStopAsync(c, exitTask);
        var exit = await exitTask;
        if (stop is null && exit is { ProbeStatus: null, TimedOut: false, KilledByWatchdog: false } && VmmReport(c.Vm.VmmDiagnostics) is { } report)
        {
            stop = $"{exit}: {report}"; // rig-hv ends the VM on a KVM internal error (ExitCodes.InternalError)
        }

        if (stop is null && exit.TimedOut && c.Records.Any(r => r.Kind == "cpu-enter" && r["check"] == check))
        {
            // kvm_pvm's VMCALL/VMMCALL and TCG's MOV CR4 with a reserved bit never return: as much a non-outcome as a stop.
            stop = $"the vCPU hung: no exit within {Bound.TotalSeconds:0} s after the guest announced the instruction, the VMM reporting nothing";
        }

        if (stop is null && c.Records.Any(r => r.Kind == "cpu-enter" && r["check"] == check) && !c.Records.Any(r => r.Kind == "cpu" && r["check"] == check)
            && c.Records.FirstOrDefault(r => r.Kind == "error" && r["cpl"] == "0") is { } cpl0Error)
        {
            // The stub's CPL0 event path met an exception no fix-up covers after the guest announced the instruction (QEMU 7.2
            // TCG clearing CR0.PG in 64-bit mode: a #GP one byte into the gate's own IRETQ): the instruction left the vCPU in a
            // state no architectural outcome leads to, which is judged like a stop, not as the probe failing to observe.
            stop = $"the guest's CPL0 code then faulted where no fix-up expects it: {cpl0Error.Line}";
        }

        c.Records.Where(r => r.Kind is "cpu" or "cpu-enter" or "error").ToList().ForEach(r => c.Evidence("observed: " + r.Line));
        var deviations = CpuRules.Deviations(check, c.Records, stop);
        string? unobserved = CpuRules.Unobserved(check, c.Records, stop);
        if (CpuRules.Unavailable(c.Records) is { } why)
        {
            c.Skip(why);
        }
        else
        {
            Judge(c, target, deviations, unobserved);
        }

        if (stop is null)
        {
            c.Finish(exit, $"{check}: as the SDM says");
        }
        else
        {
            c.Complete();
        }
    }

    /// <summary>
    /// A deviation rig.json declares for this target (<see cref="KnownDeviations"/>: the whole case, or this check with this
    /// measured outcome) is evidence, and when every deviation is declared the case is a known-deviation skip; any other fails
    /// the case. A run that did not show what the target does (<paramref name="unobserved"/>) is never excused.
    /// </summary>
    private static void Judge(RigCase c, string target, IReadOnlyList<CpuDeviation> deviations, string? unobserved)
    {
        var declared = c.DeclaredDeviations();
        var excused = new List<(CpuDeviation Deviation, HostLimit Limit, string Module)>();
        var failures = new List<CpuDeviation>();
        foreach (var deviation in deviations)
        {
            if (unobserved is null && declared.Covering(deviation.Check, deviation.Measured) is { } by)
            {
                excused.Add((deviation, by.Limit, by.Module));
            }
            else
            {
                failures.Add(deviation);
            }
        }

        foreach (var (limit, module) in unobserved is null ? declared.Unseen(deviations.Select(d => (d.Check, d.Measured))) : declared.Entries)
        {
            c.Evidence(unobserved is null
                ? $"note: rig.json declares a known deviation of {target} (hostLimits.{module}: \"{limit.Entry}\"), but it did not show: the list may be stale"
                : $"note: rig.json declares a known deviation of {target} (hostLimits.{module}: \"{limit.Entry}\"), but this run did not show what the target does with the instruction ({unobserved}), so it is judged, not excused");
        }

        excused.ForEach(e => c.Evidence($"known deviation (rig.json targets.{target}.hostLimits.{e.Module}: \"{e.Limit.Entry}\"): {e.Deviation.Text}"));
        if (failures.Count == 0 && excused.Count > 0)
        {
            var (first, limit, module) = excused[0];
            c.Skip($"known deviation of {target} (rig.json targets.{target}.hostLimits.{module}: \"{limit.Entry}\", docs/notes/cpu.md): {first.Text}");
        }
        else
        {
            c.ReportAll(failures.Select(d => d.Text));
        }
    }

    /// <summary>Polls the VMM's run state until the VM exits; returns the VMM's report if it stopped with an internal error.</summary>
    private static async Task<string?> WatchForStopAsync(RigCase c, Task exitTask)
    {
        while (!exitTask.IsCompleted)
        {
            await Task.WhenAny(exitTask, Task.Delay(TimeSpan.FromMilliseconds(500)));
            if (exitTask.IsCompleted)
            {
                break;
            }

            string status;
            try
            {
                status = await c.Vm.QueryStatusAsync();
            }
            catch (Exception e) when (e is QmpConnectionException or QmpCommandException or IOException or ObjectDisposedException or TimeoutException)
            {
                // A poll that got no answer observed nothing; the exit still bounds the case (xen-tcg-hvm: a 'list'
                // unanswered for 60 s errored a case whose probe had exited ok).
                continue;
            }

            if (status is "internal-error" or "guest-panicked")
            {
                string report = $"VMM status {status}: {VmmReport(c.Vm.VmmDiagnostics) ?? "(the VMM printed nothing about it)"}";
                await c.Vm.QuitAsync(TimeSpan.FromSeconds(10));
                return report;
            }
        }

        return null;
    }

    /// <summary>The VMM's own words about a stop: the lines naming the internal error and the emulation failure; null if none.</summary>
    public static string? VmmReport(string diagnostics)
    {
        var lines = diagnostics.Split('\n').Select(l => l.Trim())
            .Where(l => l.Contains("internal error", StringComparison.OrdinalIgnoreCase) || l.Contains("emulation failure", StringComparison.OrdinalIgnoreCase)
                        || l.StartsWith("RIP=", StringComparison.Ordinal) || l.StartsWith("EAX=", StringComparison.Ordinal) || l.StartsWith("RAX=", StringComparison.Ordinal))
            .Take(4).ToList();
        return lines.Count > 0 ? string.Join(" | ", lines) : null;
    }
}
