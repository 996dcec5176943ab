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
    public static string Pvh(string name, string kernelPath, string commandLine, int vcpus, int memoryMb) =>
        Common(name, "pvh", kernelPath, commandLine, vcpus, memoryMb).ToString();

    /// <summary>
    /// An HVM guest with Debian's device model (qemu-xen), the probe in hvmloader's place as XTF boots its HVM tests
    /// (<c>firmware_override</c>, XTF's config/default-hvm.cfg.in): libxc loads it as a PVH kernel in an HVM container
    /// (an image with Xen notes is not hvmloader's kind, tools/libs/guest/xg_dom_hvmloader.c) and enters it at its
    /// XEN_ELFNOTE_PHYS32_ENTRY with EBX = an hvm_start_info (xg_dom_x86.c vcpu_hvm), skipping hvmloader, SeaBIOS and
    /// QEMU's pvh.bin (~50 s under nested TCG). That hvm_start_info has no command line with a device model
    /// (bootlate_hvm), so <c>kernel</c> names the same image: qemu-xen then creates fw_cfg (hw/i386/pc.c xen_load_linux,
    /// for direct kernel boot only) and x86_load_linux puts <c>cmdline</c> in it, where the probe reads it (guest-probes
    /// Runtime/FwCfg.cs); QEMU's copy of the image at its reset, before the domain is unpaused, is the same bytes.
    /// The vCPUs come from Xen's hvm_info_table, hvmloader having built no MADT. COM1 and COM2 are QEMU <c>pipe:</c>
    /// chardevs, FIFO pairs <c>/tmp/NAME.comN.in/.out</c> the agent makes and reads (xl.cfg(5) passes a <c>serial</c>
    /// entry to QEMU as is). Xen itself emulates the LAPIC, IOAPIC, PIC, PIT, RTC and HPET (hpet=1 is xl's default,
    /// written out); no display, no disk, no NIC.
    /// </summary>
    public static string Hvm(string name, string kernelPath, string commandLine, int vcpus, int memoryMb)
    {
        var config = Common(name, "hvm", kernelPath, commandLine, vcpus, memoryMb);
        config.Append(CultureInfo.InvariantCulture, $"firmware_override = {Quote(kernelPath)}\n");
        config.Append(CultureInfo.InvariantCulture, $"serial = [ {Quote($"pipe:/tmp/{name}.com1")}, {Quote($"pipe:/tmp/{name}.com2")} ]\n");
        config.Append("hpet = 1\nvga = \"none\"\nvnc = 0\nsdl = 0\nnographic = 1\n");

        // The Xen platform PCI device serves PV drivers, which a probe has none of; without it libxl runs QEMU as
        // "-machine pc,accel=xen", the current PC machine type, rather than "xenfv".
        config.Append("xen_platform_pci = 0\n");
        return config.ToString();
    }

    private static StringBuilder Common(string name, string type, string kernelPath, string commandLine, int vcpus, int memoryMb)
    {
        var config = new StringBuilder();
        void Line(string key, string value) => config.Append(CultureInfo.InvariantCulture, $"{key} = {value}\n");
        Line("name", Quote(name));
        Line("type", Quote(type));
        Line("kernel", Quote(kernelPath));
        Line("cmdline", Quote(commandLine));
        Line("vcpus", vcpus.ToString(CultureInfo.InvariantCulture));
        Line("memory", memoryMb.ToString(CultureInfo.InvariantCulture));
        Line("tsc_mode", Quote("native"));
        Line("on_poweroff", Quote("destroy"));
        Line("on_reboot", Quote("destroy"));
        Line("on_crash", Quote("destroy"));
        return config;
    }

    /// <summary>xl.cfg strings are double-quoted; a probe command line is key=value words, so a quote in it is a rig bug.</summary>
    private static string Quote(string value) =>
        value.Contains('"', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal)
            ? throw new ArgumentException($"an xl.cfg string cannot hold '{value}'", nameof(value))
            : $"\"{value}\"";
}
