namespace Rig.Targets;

/// <summary>
/// The operations every target offers, named after QMP's. An operation a target cannot do throws
/// <see cref="TargetUnsupportedException"/>, which a case reports as skip, never as pass. What only the reference
/// hypervisor offers is <see cref="Reference"/>.
/// </summary>
public interface IControlPlane
{
    /// <summary>The target's name in rig.json.</summary>
    string Target { get; }

    /// <summary>The reference hypervisor's own controls; null on every other target.</summary>
    IReferenceControls? Reference { get; }

    Task StopAsync(CancellationToken cancellationToken = default);

    Task ContAsync(CancellationToken cancellationToken = default);

    Task SystemResetAsync(CancellationToken cancellationToken = default);

    /// <summary>QMP inject-nmi: an NMI to every vCPU.</summary>
    Task InjectNmiAsync(CancellationToken cancellationToken = default);

    /// <summary>QEMU HMP <c>mce cpu bank status mcgstatus addr misc</c> (SDM Vol. 3 16.3, machine-check MSRs).</summary>
    Task InjectMceAsync(int cpu, int bank, ulong status, ulong mcgStatus, ulong address, ulong misc, CancellationToken cancellationToken = default);

    Task SaveSnapshotAsync(string name, CancellationToken cancellationToken = default);

    Task RevertSnapshotAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Reads guest-physical memory, e.g. a probe's sample buffer.</summary>
    Task<byte[]> ReadMemoryAsync(ulong gpa, int length, CancellationToken cancellationToken = default);

    /// <summary>QMP query-status: "running", "paused", "shutdown", ...</summary>
    Task<string> QueryStatusAsync(CancellationToken cancellationToken = default);
}

public static class ControlPlaneExtensions
{
    /// <summary>The reference's controls, or <see cref="TargetUnsupportedException"/> (reason <c>reference-only</c>) elsewhere.</summary>
    public static IReferenceControls RequireReference(this IControlPlane control, string action) =>
        control.Reference ?? throw new TargetUnsupportedException(control.Target, action, "reference-only");
}
