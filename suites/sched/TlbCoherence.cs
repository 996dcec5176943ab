using NUnit.Framework;
using Rig.Cases;
using Rig.Churn;
using Rig.Suites.Sched.Oracles;
using Rig.Suites.Sched.Records;

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
        await ChurnedRun.RunCaseAsync(target, profile, nameof(TlbCoherence), r => r.Kind == StaleRecord.Kind, (c, run) =>
        {
            c.Oracle(TlbCoherenceRules.Rule);
            c.ReportAll(TlbCoherenceRules.Check(run.Records, run.Vms, profile.VcpusPerVm));
            return $"{run.Vms.Count} VMs × {profile.VcpusPerVm} vCPUs never read through an invalidated translation through {run.Churn}";
        });
    }
}
