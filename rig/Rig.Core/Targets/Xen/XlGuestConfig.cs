using System.Globalization;
using System.Text;

namespace Rig.Targets.Xen;

/// <summary>
/// The xl domain configuration (xl.cfg(5)) for one probe. PVH boots the probe's ELF directly through its
/// XEN_ELFNOTE_PHYS32_ENTRY, as rig-hv and QEMU do. <c>tsc_mode="native"</c>: under QEMU TCG an emulated RDTSC costs
/// ~39 µs and RDTSCP reaches Xen as an undecodable exit (shared/notes/xen-under-tcg.md). A probe's own shutdown ends
/// the domain whatever the reason, so xl reports the reason and nothing restarts it (<see cref="XenShutdown"/>).
/// </summary>
public static class XlGuestConfig
{
    public static string Pvh(string name, string kernelPath, string commandLine, int vcpus, int memoryMb)
    {
        var config = new StringBuilder();
        void Line(string key, string value) => config.Append(CultureInfo.InvariantCulture, $"{key} = {value}\n");
        Line("name", Quote(name));
        Line("type", Quote("pvh"));
        Line("kernel", Quote(kernelPath));
        Line("cmdline", Quote(commandLine));
        Line("vcpus", vcpus.ToString(CultureInfo.InvariantCulture));
        Line("memory", memoryMb.ToString(CultureInfo.InvariantCulture));
        Line("tsc_mode", Quote("native"));
        Line("on_poweroff", Quote("destroy"));
        Line("on_reboot", Quote("destroy"));
        Line("on_crash", Quote("destroy"));
        return config.ToString();
    }

    /// <summary>xl.cfg strings are double-quoted; a probe command line is key=value words, so a quote in it is a rig bug.</summary>
    private static string Quote(string value) =>
        value.Contains('"', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal)
            ? throw new ArgumentException($"an xl.cfg string cannot hold '{value}'", nameof(value))
            : $"\"{value}\"";
}
