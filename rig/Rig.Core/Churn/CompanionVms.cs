using Rig.Cases;
using Rig.Com2;
using Rig.Targets;

namespace Rig.Churn;

/// <summary>
/// Boots the other VMs of a many-VM case on the case's target, the way <see cref="RigCase.BootAsync"/> boots its own:
/// the same probe image, the run's seeded defect, the case's COM2 actions. Each gets its number in the command line.
/// </summary>
public static class CompanionVms
{
    /// <param name="append">The probe's command line for VM number n.</param>
    /// <param name="hostActions">Makes what serves each VM's COM2 (default: the standard actions).</param>
    public static Func<int, CancellationToken, Task<IVm>> Booter(
        string target, string probe, int vcpus, Func<int, string> append, TimeSpan watchdog, Func<IHostActionHandler>? hostActions = null)
    {
        var session = RigSession.Current;
        var driver = session.Target(target);
        var image = session.ProbeImage(probe);
        return async (n, cancellationToken) =>
        {
            var vm = await driver.BootAsync(new VmSpec(image, append(n), watchdog, vcpus, session.Defect), cancellationToken).ConfigureAwait(false);
            vm.ServeHostActions(hostActions?.Invoke() ?? new StandardHostActions());
            return vm;
        };
    }
}
