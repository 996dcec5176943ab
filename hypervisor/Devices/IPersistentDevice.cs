namespace Rig.Hypervisor.Devices;

/// <summary>
/// A device that owns its snapshot state, as Firecracker's devices each own theirs: <see cref="Save"/> captures all the
/// guest can observe of the device, <see cref="Restore"/> puts it back. Times inside a state are kept relative to the
/// moment of the save (how long a count has run, how far a deadline lies ahead), never as host clock values, so a state
/// restored later resumes with the same remaining counts, as the LAPIC's does (SDM Vol. 3A 12.5.4).
/// </summary>
public interface IPersistentDevice<TState>
    where TState : class
{
    TState Save();

    /// <summary>Replaces the device's state; throws <see cref="ArgumentException"/> for a state of the wrong shape, keeping the old one.</summary>
    void Restore(TState state);
}
