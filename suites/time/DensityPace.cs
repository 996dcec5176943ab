using Rig.Cases;

namespace Rig.Suites.Time;

/// <summary>
/// time.density's sizes on one target: how many VMs, how long their reading window, how long the window waits for the
/// last VM at the gate, how long before the window's end the host starts no more saves (<see cref="SaveGuard"/>) and no
/// more pauses (<see cref="ActionGuard"/>), and how much later than its window a guest may end because reverts took it
/// back (<see cref="Rollback"/>). Through xl (<see cref="XlControlPlane"/>) each host action takes seconds to minutes:
/// two VMs, a window that holds one revert and some pauses, and guards of one action's pace.
/// </summary>
internal sealed record DensityPace(int Vms, TimeSpan Window, TimeSpan Gate, TimeSpan SaveGuard, TimeSpan ActionGuard, TimeSpan Rollback)
{
    /// <summary>The VMs wait at the gate for the last one to boot; past this after it booted, the window opens without the missing.</summary>
    private static readonly TimeSpan GateBound = TimeSpan.FromSeconds(60);

    /// <summary>No save starts later than this before the window's end: a revert under load took 5–7 s here (docs/notes/lab.md).</summary>
    private static readonly TimeSpan SaveGuardBound = TimeSpan.FromSeconds(10);

    /// <summary>No pause or revert starts later than this before the window's end.</summary>
    private static readonly TimeSpan ActionGuardBound = TimeSpan.FromSeconds(2);

    public static DensityPace For(string target)
    {
        if (!XlControlPlane.Drives(target))
        {
            // Reverts of milliseconds take a guest back by less than its boot bound's slack.
            return new(Profile.Pick(normal: 4, lab: 20), TimeSpan.FromSeconds(Profile.Pick(normal: 30, lab: 300)), GateBound, SaveGuardBound, ActionGuardBound, TimeSpan.Zero);
        }

        // The last VM's arrival at the gate is an xl pause. Saves start only in the window's first Window - SaveGuard and
        // each is done within SaveGuard, so the reverts take a guest back by at most the window itself.
        var window = XlControlPlane.Revert + (2 * XlControlPlane.Pause);
        return new(Vms: 2, window, GateBound + XlControlPlane.Pause, SaveGuard: XlControlPlane.Revert, ActionGuard: XlControlPlane.Pause, Rollback: window);
    }
}
