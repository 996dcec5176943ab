namespace Rig.Suites.Time.Records;

/// <summary>
/// `density-start` (COM2, docs/protocol.md): a time.density VM asks the host to open its reading window; the host answers
/// once every VM of the case has asked, so all of them read over one window (probes/Density.cs, DensityGate.cs).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so the name cannot differ between them.
/// </summary>
public static class DensityStart
{
    public const string Action = "density-start";

    /// <summary>
    /// `RIG window`: the BSP has its answer and the window is open. The host touches the VM only after this line: a revert
    /// to a snapshot saved while the answer was still on its way would take the answer back, and the guest would wait for it.
    /// </summary>
    public const string OpenedKind = "window";

    /// <summary>How long a VM waits for the others to boot and ask; the host stops it meanwhile (µs of the guest's TSC).</summary>
    public const ulong TimeoutMicroseconds = 900_000_000;
}
