namespace Rig.Probes.Tests;

/// <summary>
/// A probe boot on one target; skipped with the reason when the target cannot run here (no QEMU, no usable
/// /dev/kvm, rig-hv not built). One fact per target because xunit 2.9 cannot skip a single theory row.
/// </summary>
public sealed class RequiresTargetFactAttribute : FactAttribute
{
    public RequiresTargetFactAttribute(string target)
    {
        if (Targets.ByName(target).Unavailable() is { } reason)
        {
            Skip = $"{target} unavailable: {reason}";
        }
    }
}
