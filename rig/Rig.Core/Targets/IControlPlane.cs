using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rig.Targets;

/// <summary>
/// The operations every target offers, named after QMP's. An operation a target cannot do throws
/// <see cref="TargetUnsupportedException"/>, which a case reports as skip, never as pass.
/// </summary>
public interface IControlPlane
{
    Task StopAsync(CancellationToken cancellationToken = default);

    Task ContAsync(CancellationToken cancellationToken = default);

    Task SystemResetAsync(CancellationToken cancellationToken = default);

    /// <summary>QMP inject-nmi: an NMI to every vCPU.</summary>
    Task InjectNmiAsync(CancellationToken cancellationToken = default);

    /// <summary>QEMU HMP <c>mce cpu bank status mcgstatus addr misc</c> (SDM Vol. 3 16.3, machine-check MSRs).</summary>
    Task InjectMceAsync(int cpu, int bank, ulong status, ulong mcgStatus, ulong address, ulong misc, CancellationToken cancellationToken = default);

    Task SaveSnapshotAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reverts to snapshot <paramref name="name"/>; <paramref name="calibrateDuring"/> asks the reference to run a clock
    /// calibration inside the revert window (seed 000's race, forced rather than waited for).
    /// </summary>
    Task RevertSnapshotAsync(string name, bool calibrateDuring, CancellationToken cancellationToken = default);

    /// <summary>Runs the reference hypervisor's Xen clock calibration now; returns how many have run since boot.</summary>
    Task<long> CalibrateClockAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the period of the reference hypervisor's Xen clock calibration (Xen's EPOCH, 1 s by default).</summary>
    Task SetCalibrationPeriodAsync(TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>Reads guest-physical memory, e.g. a probe's sample buffer.</summary>
    Task<byte[]> ReadMemoryAsync(ulong gpa, int length, CancellationToken cancellationToken = default);

    /// <summary>
    /// A reference-hypervisor vendor command (x-rig-*) that only one suite uses, e.g. suites/evtchn's host backend;
    /// returns QMP's "return" value. A target without vendor commands throws <see cref="TargetUnsupportedException"/>.
    /// </summary>
    Task<JsonElement> VendorCommandAsync(string command, JsonObject? arguments, CancellationToken cancellationToken = default);

    /// <summary>QMP query-status: "running", "paused", "shutdown", ...</summary>
    Task<string> QueryStatusAsync(CancellationToken cancellationToken = default);
}
