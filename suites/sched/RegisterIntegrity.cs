using NUnit.Framework;
using Rig.Cases;
using Rig.Churn;
using Rig.Suites.Sched.Oracles;

namespace Rig.Suites.Sched;

/// <summary>
/// sched.register-integrity: every vCPU of the survivor VMs holds per-vCPU values in its GPRs, XMM registers, segment
/// bases and MSRs while the host migrates vCPU threads, creates and destroys VMs and forces the seed-002 collision
/// (a survivor's vCPU migrated off the host CPU where another VM's vCPU is destroyed); no register may change, and no
/// exception may come to a probe that raises none.
/// </summary>
[TestFixture]
[QuietHost("the host churn re-pins vCPU threads across every host CPU and loads them: it would move and slow its neighbours")]
public sealed class RegisterIntegrity
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        var profile = ChurnProfile.ForRun();
        await ChurnedRun.RunCaseAsync(target, profile, nameof(RegisterIntegrity), RegisterIntegrityRules.IsFailure, (c, run) =>
        {
            c.Oracle(RegisterIntegrityRules.Rule);
            c.ReportAll(RegisterIntegrityRules.Check(run.Records, run.Vms, profile.VcpusPerVm));
            return $"{run.Vms.Count} VMs × {profile.VcpusPerVm} vCPUs kept every register through {run.Churn}";
        });
    }
}
