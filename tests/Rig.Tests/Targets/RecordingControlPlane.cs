using System.Collections.Concurrent;
using Rig.Targets;

namespace Rig.Tests.Targets;

/// <summary>
/// A control plane that records what it was asked to do; the reference's own controls (snapshots, calibration) can be
/// switched off, as on QEMU, and one call can time out or fail, as an xl command through dom0's agent does.
/// </summary>
public sealed class RecordingControlPlane(bool snapshots = true, string? timesOut = null, string? fails = null) : IControlPlane, IReferenceControls
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public string Target => "fake";

    public IReferenceControls? Reference => snapshots ? this : null;

    public Task StopAsync(CancellationToken cancellationToken = default) => Record("stop");

    public Task ContAsync(CancellationToken cancellationToken = default) => Record("cont");

    public Task SystemResetAsync(CancellationToken cancellationToken = default) => Record("system_reset");

    public Task InjectNmiAsync(CancellationToken cancellationToken = default) => Record("inject-nmi");

    public Task InjectMceAsync(int cpu, int bank, ulong status, ulong mcgStatus, ulong address, ulong misc, CancellationToken cancellationToken = default) =>
        Record($"mce {cpu} {bank} 0x{status:x} 0x{mcgStatus:x} 0x{address:x} 0x{misc:x}");

    public Task SaveSnapshotAsync(string name, CancellationToken cancellationToken = default) =>
        snapshots ? Record("save " + name) : throw new TargetUnsupportedException("fake", "save a snapshot", "unsupported");

    public Task RevertSnapshotAsync(string name, CancellationToken cancellationToken = default) =>
        snapshots ? Record("revert " + name) : throw new TargetUnsupportedException("fake", "revert a snapshot", "unsupported");

    public Task RevertSnapshotCalibratingAsync(string name, CancellationToken cancellationToken = default) => Record("revert " + name + " calibrate-during");

    public Task<long> CalibrateClockAsync(CancellationToken cancellationToken = default) =>
        Record("calibrate").ContinueWith(_ => (long)Calls.Count(c => c == "calibrate"), TaskScheduler.Default);

    public Task SetCalibrationPeriodAsync(TimeSpan period, CancellationToken cancellationToken = default) => Record($"calibration-period {period.TotalMicroseconds}");

    public Task<byte[]> ReadMemoryAsync(ulong gpa, int length, CancellationToken cancellationToken = default) => Task.FromResult(new byte[length]);

    public Task<System.Text.Json.JsonElement> VendorCommandAsync(string command, System.Text.Json.Nodes.JsonObject? arguments, CancellationToken cancellationToken = default) =>
        throw new TargetUnsupportedException("fake", command, "unknown-vendor-command");

    public Task<string> QueryStatusAsync(CancellationToken cancellationToken = default) => Task.FromResult("running");

    private Task Record(string call)
    {
        Calls.Enqueue(call);
        return call == timesOut ? Task.FromException(new TimeoutException($"no answer to '{call}'"))
            : call == fails ? Task.FromException(new IOException($"'{call}' failed"))
            : Task.CompletedTask;
    }
}
