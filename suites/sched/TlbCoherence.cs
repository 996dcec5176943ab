using NUnit.Framework;
using Rig.Cases;
using Rig.Churn;
using Rig.Suites.Sched.Oracles;

namespace Rig.Suites.Sched;

/// <summary>
/// sched.tlb-coherence: in every survivor VM, vCPU 0 remaps a shared page generation after generation and every vCPU
/// invalidates as the SDM requires before reading it, while the host migrates their threads and destroys VMs beside
/// them; no vCPU may read through a translation it invalidated.
/// </summary>
[TestFixture]
[QuietHost("the host churn re-pins vCPU threads across every host CPU and loads them: it would move and slow its neighbours")]
public sealed class TlbCoherence
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        var profile = ChurnProfile.ForRun();
        await using var c = await RigCase.BootAsync(
            target, append: ChurnedRun.Append(1), vcpus: profile.VcpusPerVm, watchdog: ChurnedRun.Watchdog);
        var run = await ChurnedRun.RunAsync(c, target, profile, nameof(TlbCoherence), failure: "stale");
        c.Oracle(TlbCoherenceRules.Rule);
        run.Describe(c);
        c.JudgeProbeVerdicts();
        c.ReportAll(TlbCoherenceRules.Check(run.Records, run.Vms, profile.VcpusPerVm));

        if (run.Records.Any(r => r.Kind == "tlb"))
        {
            c.Metric("guest_remaps_per_s", TlbCoherenceRules.GenerationsPerSecond(run.Records), "1/s");
        }

        foreach (var incident in run.Churn.Incidents)
        {
            c.Report(false, "the target misbehaved under the churn: " + incident);
        }

        c.Complete($"{run.Vms.Count} VMs × {profile.VcpusPerVm} vCPUs never read through an invalidated translation through {run.Churn}");
    }
}
