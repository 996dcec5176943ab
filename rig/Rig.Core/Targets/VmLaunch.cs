namespace Rig.Targets;

/// <summary>
/// How to start one VMM process and meet its three sockets (QMP, COM1, COM2).
/// <see cref="RigListens"/>: the rig listens and the VMM connects (QEMU client chardevs), so not a byte of
/// early COM1 output is lost; otherwise the VMM listens and the rig connects with retries (rig-hv).
/// <see cref="StartsPaused"/>: the VMM waits for QMP <c>cont</c> (QEMU -S), so a probe that finishes in
/// milliseconds cannot exit before the rig has its control plane.
/// <see cref="HasVendorCommands"/>: the VMM answers rig-hv's <c>x-rig-*</c> commands (snapshots, clock calibration).
/// </summary>
public sealed record VmLaunch(
    string Target,
    string Binary,
    IReadOnlyList<string> Arguments,
    VmSockets Sockets,
    bool RigListens,
    bool HasVendorCommands,
    bool StartsPaused);

/// <summary>Socket paths in a private temporary directory, removed when the VM is disposed.</summary>
public sealed record VmSockets(string Directory, string Qmp, string Com1, string Com2)
{
    public static VmSockets CreateTemporary()
    {
        // Unix socket paths are limited to 108 bytes (unix(7)), so stay under /tmp with a short name.
        var dir = Path.Combine(Path.GetTempPath(), "rig-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        return new VmSockets(dir, Path.Combine(dir, "qmp"), Path.Combine(dir, "com1"), Path.Combine(dir, "com2"));
    }
}
