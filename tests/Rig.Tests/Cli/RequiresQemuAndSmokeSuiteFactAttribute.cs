using Rig.Hosting;

namespace Rig.Tests.Cli;

/// <summary>Skips, saying why, unless QEMU is installed and the smoke suite and the rig are built (./run.sh builds all).</summary>
public sealed class RequiresQemuAndSmokeSuiteFactAttribute : FactAttribute
{
    public RequiresQemuAndSmokeSuiteFactAttribute()
    {
        if (ExecutablePath.Find("qemu-system-x86_64") is null)
        {
            Skip = "qemu-system-x86_64 not found on PATH (Debian package qemu-system-x86)";
        }
        else if (!File.Exists(SmokeSuiteDll))
        {
            Skip = $"smoke suite not built: {SmokeSuiteDll}";
        }
    }

    public static string BinRoot => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RigCli.Dll)!, "..", ".."));

    public static string SmokeSuiteDll => Path.Combine(BinRoot, "Rig.Suites.Smoke", "debug", "Rig.Suites.Smoke.dll");
}
