namespace Rig.Suites.Time;

/// <summary>
/// One time the host held a VM of time.density: a pause (QMP stop, a wait, cont), a revert (snapshot save, the guest
/// runs on, revert) or a save alone, timed by the host from before its first command to after its last reply. To the
/// guest each is one step of its clocks: a revert puts it back at the save, readings included.
/// </summary>
/// <param name="Calibrated">A revert with a clock calibration forced inside its window (seed 000's race).</param>
internal sealed record Interruption(string Kind, TimeSpan Host, bool Calibrated)
{
    public const string Pause = "pause";
    public const string Revert = "revert";

    /// <summary>A save whose revert came too late in the window to be done: the save alone held the VM.</summary>
    public const string Save = "save";
}
