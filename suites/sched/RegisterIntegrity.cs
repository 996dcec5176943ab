using NUnit.Framework;
using Rig.Cases;
using Rig.Churn;
using Rig.Suites.Sched.Oracles;

namespace Rig.Suites.Sched;

/// <summary>
/// sched.register-integrity: every vCPU of the survivor VMs holds per-vCPU values in its GPRs, XMM registers, segment
/// bases and MSRs while the host migrates vCPU threads, creates and destroys VMs and forces the seed-002 collision
/// (a survivor's vCPU migrated off the host CPU where another VM's vCPU is destroyed); no register may change.
/// </summary>
[TestFixture]
[QuietHost("the host churn re-pins vCPU threads across every host CPU and loads them: it would move and slow its neighbours")]
public sealed class RegisterIntegrity
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        var profile = ChurnProfile.ForRun();
        await using var c = await RigCase.BootAsync(
            target, append: ChurnedRun.Append(1), vcpus: profile.VcpusPerVm, watchdog: ChurnedRun.Watchdog);
        var run = await ChurnedRun.RunAsync(c, target, profile, nameof(RegisterIntegrity), failure: "regdiff");
        c.Oracle(RegisterIntegrityRules.Rule);
        run.Describe(c);
        c.JudgeProbeVerdicts();
        c.ReportAll(RegisterIntegrityRules.Check(run.Records, run.Vms, profile.VcpusPerVm));

        if (run.Records.Any(r => r.Kind == "held"))
        {
            c.Metric("guest_register_checks_per_s", RegisterIntegrityRules.ChecksPerSecond(run.Records), "1/s");
        }

        if (run.FirstFailure is null)
        {
            foreach (var incident in run.Churn.Incidents)
            {
                c.Report(false, "the target misbehaved under the churn: " + incident);
            }

            if (run.Churn.Collisions == 0)
            {
                c.Error($"no forced collision happened, so the seed's window was never opened: {run.Churn}");
            }
        }

        c.Complete($"{run.Vms.Count} VMs × {profile.VcpusPerVm} vCPUs kept every register through {run.Churn}");
    }
}
