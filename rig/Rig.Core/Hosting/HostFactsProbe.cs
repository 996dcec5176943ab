using Rig.Results;

namespace Rig.Hosting;

/// <summary>
/// What the host is: CPU model, kernel, and which KVM module with which parameters. A result from
/// kvm_pvm (KVM without VMX) means something different from one on kvm_intel, so every run records it.
/// </summary>
public static class HostFactsProbe
{
    // Vendor modules first: "kvm" itself is loaded alongside all of them.
    private static readonly string[] KvmModules = ["kvm_intel", "kvm_amd", "kvm_pvm", "kvm"];

    public static HostFacts Collect()
    {
        var module = KvmModules.FirstOrDefault(m => Directory.Exists($"/sys/module/{m}")) ?? "none";
        return new HostFacts(
            Environment.MachineName,
            CpuModel(),
            ReadTrimmed("/proc/sys/kernel/osrelease") ?? "unknown",
            module,
            module == "none" ? new Dictionary<string, string>() : Parameters(module));
    }

    private static string CpuModel()
    {
        var cpuinfo = ReadTrimmed("/proc/cpuinfo") ?? "";
        var line = cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
    }

    private static Dictionary<string, string> Parameters(string module)
    {
        var dir = $"/sys/module/{module}/parameters";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(dir))
        {
            return result;
        }

        foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            if (ReadTrimmed(file) is { } value)
            {
                result[Path.GetFileName(file)] = value;
            }
        }

        return result;
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
