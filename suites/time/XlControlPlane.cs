using Rig.Cases;

namespace Rig.Suites.Time;

/// <summary>
/// The pace of host actions on a target driven through xl in a dom0 (rig.json kind "xen"): a pause is xl pause and
/// unpause, a save xl save with the checkpoint's restore, a revert xl destroy and restore with the device model started
/// again, each through dom0's agent, which runs under TCG on xen-tcg: seconds to minutes where rig-hv's and QEMU's QMP
/// take milliseconds. The cases that repeat host actions ask for a few there, each bounded by these, so that the case
/// judges what its probe recorded within its bound (time.pause-resume saw 5 of its 200 pauses before it).
/// </summary>
internal static class XlControlPlane
{
    /// <summary>One xl pause and unpause through dom0: 30.3 s at a load average of ~70 on xen-tcg-hvm (docs/notes/xen.md).</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(60);

    /// <summary>One save and revert: 64–127 s of host time from the save to the revert's answer on xen-tcg-hvm at a load of ~10.</summary>
    public static readonly TimeSpan Revert = TimeSpan.FromSeconds(180);

    /// <summary>Whether <paramref name="target"/>'s host actions go through xl.</summary>
    public static bool Drives(string target) =>
        RigSession.Current.Options.Targets.TryGetValue(target, out var options) && options.Kind == "xen";
}
