using System.Collections.Concurrent;
using Rig.Targets;

namespace Rig.Tests.Targets;

/// <summary>A control plane that records what it was asked to do; vendor commands (snapshots, calibration) can be switched off, as on QEMU.</summary>
public sealed class RecordingControlPlane(bool snapshots = true) : IControlPlane
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public Task StopAsync(CancellationToken cancellationToken = default) => Record("stop");

    public Task ContAsync(CancellationToken cancellationToken = default) => Record("cont");

    public Task SystemResetAsync(CancellationToken cancellationToken = default) => Record("system_reset");

    public Task InjectNmiAsync(CancellationToken cancellationToken = default) => Record("inject-nmi");

    public Task InjectMceAsync(int cpu, int bank, ulong status, ulong mcgStatus, ulong address, ulong misc, CancellationToken cancellationToken = default) =>
        Record($"mce {cpu} {bank} 0x{status:x} 0x{mcgStatus:x} 0x{address:x} 0x{misc:x}");

    public Task SaveSnapshotAsync(string name, CancellationToken cancellationToken = default) =>
        snapshots ? Record("save " + name) : throw new TargetUnsupportedException("fake", "save a snapshot", "unsupported");

    public Task RevertSnapshotAsync(string name, bool calibrateDuring, CancellationToken cancellationToken = default) =>
        snapshots ? Record("revert " + name + (calibrateDuring ? " calibrate-during" : "")) : throw new TargetUnsupportedException("fake", "revert a snapshot", "unsupported");

    public Task<long> CalibrateClockAsync(CancellationToken cancellationToken = default) =>
        snapshots ? Record("calibrate").ContinueWith(_ => (long)Calls.Count(c => c == "calibrate"), TaskScheduler.Default)
            : throw new TargetUnsupportedException("fake", "calibrate its clock", "unsupported");

    public Task SetCalibrationPeriodAsync(TimeSpan period, CancellationToken cancellationToken = default) =>
        snapshots ? Record($"calibration-period {period.TotalMicroseconds}") : throw new TargetUnsupportedException("fake", "set its calibration period", "unsupported");

    public Task<byte[]> ReadMemoryAsync(ulong gpa, int length, CancellationToken cancellationToken = default) => Task.FromResult(new byte[length]);

    public Task<System.Text.Json.JsonElement> VendorCommandAsync(string command, System.Text.Json.Nodes.JsonObject? arguments, CancellationToken cancellationToken = default) =>
        throw new TargetUnsupportedException("fake", command, "no-vendor-commands");

    public Task<string> QueryStatusAsync(CancellationToken cancellationToken = default) => Task.FromResult("running");

    private Task Record(string call)
    {
        Calls.Enqueue(call);
        return Task.CompletedTask;
    }
}
