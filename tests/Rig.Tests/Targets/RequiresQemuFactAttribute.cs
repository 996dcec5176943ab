using Rig.Hosting;

namespace Rig.Tests.Targets;

/// <summary>Skips, saying why, where Debian's qemu-system-x86_64 is not installed.</summary>
public sealed class RequiresQemuFactAttribute : FactAttribute
{
    public const string Qemu = "qemu-system-x86_64";

    public RequiresQemuFactAttribute()
    {
        if (ExecutablePath.Find(Qemu) is null)
        {
            Skip = $"{Qemu} not found on PATH (Debian package qemu-system-x86)";
        }
    }
}
