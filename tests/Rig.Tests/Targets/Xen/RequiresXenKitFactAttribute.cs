using Rig.Config;
using Rig.Targets;

namespace Rig.Tests.Targets.Xen;

/// <summary>
/// Skips, saying why, where the xen-tcg kit cannot be built (no apt, Debian's Xen packages unreachable, no QEMU).
/// Building it is the test's own set-up: a clean CI machine downloads Debian's packages here.
/// </summary>
public sealed class RequiresXenKitFactAttribute : FactAttribute
{
    public RequiresXenKitFactAttribute()
    {
        var availability = XenTcgSmokeTests.Target().Probe();
        if (!availability.Available)
        {
            Skip = availability.Reason;
        }
    }

    public static string RepoRoot => Rig.Config.RepoRoot.Find();

    public static TargetOptions Options => new() { Kind = "xen", Binary = "qemu-system-x86_64", Accel = "tcg", Machine = "pvh", Cpu = "max", MemoryMb = 64 };
}
