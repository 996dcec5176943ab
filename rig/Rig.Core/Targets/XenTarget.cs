using Rig.Config;
using Rig.Hosting;

namespace Rig.Targets;

/// <summary>
/// Xen through the xl toolstack, for lab machines. This rig does not drive xl yet, so the target is
/// reported unavailable with the concrete reason: no xl here, not dom0, or the missing driver.
/// </summary>
public sealed class XenTarget(string name, TargetOptions options, string repoRoot) : ITarget
{
    public string Name { get; } = name;

    public TargetAvailability Probe()
    {
        if (ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary)) is null)
        {
            return TargetAvailability.Unavailable($"{options.Binary} not found: not a Xen host (Xen toolstack not installed)");
        }

        // /proc/xen/capabilities reads "control_d" only in dom0, the one domain that can create guests.
        var capabilities = File.Exists("/proc/xen/capabilities") ? File.ReadAllText("/proc/xen/capabilities") : "";
        return capabilities.Contains("control_d", StringComparison.Ordinal)
            ? TargetAvailability.Unavailable("xl found in dom0, but this rig has no xl driver yet (PVH boot through xl create)")
            : TargetAvailability.Unavailable("xl found, but this is not a Xen dom0 (/proc/xen/capabilities lacks control_d)");
    }

    public Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken) =>
        throw new TargetUnsupportedException(Name, "boot", Probe().Reason ?? "unavailable");
}
