using NUnit.Framework;
using Rig.Cases;
using Rig.Churn;
using Rig.Suites.Sched.Oracles;

namespace Rig.Suites.Sched;

/// <summary>
/// sched.destroy-under-load: VMs are destroyed while their vCPU threads run and are being migrated, beside survivors that
/// check their registers throughout. The target never hangs on a destroy, the survivors run on to their end untouched,
/// and the host gets back every process, fd and page the destroyed VMs held (measured before and after).
/// </summary>
[TestFixture]
[QuietHost("the host churn re-pins vCPU threads across every host CPU and loads them: it would move and slow its neighbours")]
public sealed class DestroyUnderLoad
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        // No collision here: destroys land wherever the churn's migrations left the doomed VM's vCPUs, as in production.
        var profile = ChurnProfile.ForRun() with { Collide = false };
        await ChurnedRun.RunCaseAsync(target, profile, nameof(RegisterIntegrity), RegisterIntegrityRules.IsFailure, (c, run) =>
        {
            c.Oracle(HostLeaks.Rule);
            c.Oracle(RegisterIntegrityRules.Rule);

            // A survivor the destroys crashed, hung or disturbed does not reach its probe's clean end (exit status 0).
            foreach (var (vm, end) in run.Ends)
            {
                c.Report(run.Exits.TryGetValue(vm, out var exit) && exit.ProbeStatus == 0, $"survivor VM {vm} ran through the churn to a clean end: {end}");
            }

            c.ReportAll(RegisterIntegrityRules.Check(run.Records, run.Vms, profile.VcpusPerVm));
            c.ReportAll(HostLeaks.Check(run.Before, run.After, run.Churn.VmCycles));
            if (run.Churn.VmCycles == 0)
            {
                c.Error($"the churn destroyed no VM: {run.Churn}");
            }

            return $"{run.Churn.VmCycles} VMs destroyed under load beside {run.Vms.Count} undisturbed survivors, nothing leaked";
        });
    }
}
