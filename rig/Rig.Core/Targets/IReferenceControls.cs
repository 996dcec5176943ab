using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rig.Targets;

/// <summary>
/// What only the reference hypervisor (rig-hv) offers a case, as its x-rig-* vendor commands: hooks that force the race
/// a seed describes instead of waiting for it, and the host side of interfaces QEMU lacks (Xen event channels).
/// A case reaches them through <see cref="ControlPlaneExtensions.RequireReference"/>, so on any other target the
/// case is a skip naming the reason, never a pass.
/// </summary>
public interface IReferenceControls
{
    /// <summary>
    /// Reverts to snapshot <paramref name="name"/> with a clock calibration run inside the revert window, between the
    /// TSC latch and the recompute (seed 000's race, forced rather than waited for).
    /// </summary>
    Task RevertSnapshotCalibratingAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Runs the Xen clock calibration now; returns how many have run since boot.</summary>
    Task<long> CalibrateClockAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the period of the Xen clock calibration (Xen's EPOCH, 1 s by default).</summary>
    Task SetCalibrationPeriodAsync(TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>A vendor command (x-rig-*) that only one suite uses, e.g. suites/evtchn's host backend; returns QMP's "return" value.</summary>
    Task<JsonElement> VendorCommandAsync(string command, JsonObject? arguments, CancellationToken cancellationToken = default);
}
