namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>A fact that is skipped, with the reason, where qemu-system-x86_64 is not on PATH.</summary>
public sealed class RequiresQemuFactAttribute : FactAttribute
{
    public const string QemuBinary = "qemu-system-x86_64";

    public RequiresQemuFactAttribute()
    {
        if (QemuPath is null)
        {
            Skip = $"needs {QemuBinary} on PATH to compare against";
        }
    }

    public static string? QemuPath { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, QemuBinary))
        .FirstOrDefault(File.Exists);
}
