using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

public sealed class XlGuestConfigTests
{
    [Fact]
    public void A_pvh_guest_boots_the_image_with_native_tsc_and_is_never_restarted()
    {
        var config = XlGuestConfig.Pvh("rig-hello-1", "/probes/Hello.elf", "seconds=1 profile=default", vcpus: 2, memoryMb: 64);

        Assert.Contains("type = \"pvh\"\n", config, StringComparison.Ordinal);
        Assert.Contains("kernel = \"/probes/Hello.elf\"\n", config, StringComparison.Ordinal);
        Assert.Contains("cmdline = \"seconds=1 profile=default\"\n", config, StringComparison.Ordinal);
        Assert.Contains("vcpus = 2\n", config, StringComparison.Ordinal);
        Assert.Contains("tsc_mode = \"native\"\n", config, StringComparison.Ordinal);
        Assert.Contains("on_reboot = \"destroy\"\n", config, StringComparison.Ordinal);
    }

    [Fact]
    public void An_hvm_guest_boots_the_image_in_hvmloaders_place_with_com1_and_com2_on_the_agents_fifos()
    {
        var config = XlGuestConfig.Hvm("rig-hello-2", "/probes/Hello.elf", "seconds=1", vcpus: 1, memoryMb: 64);

        // The agent picks the HVM path by this exact line (kit/rig-agent).
        Assert.Contains("type = \"hvm\"\n", config, StringComparison.Ordinal);
        Assert.Contains("firmware_override = \"/probes/Hello.elf\"\n", config, StringComparison.Ordinal);

        // The same image as the device model's kernel: only then does qemu-xen offer fw_cfg, with the command line in it.
        Assert.Contains("kernel = \"/probes/Hello.elf\"\n", config, StringComparison.Ordinal);
        Assert.Contains("cmdline = \"seconds=1\"\n", config, StringComparison.Ordinal);
        Assert.Contains("serial = [ \"pipe:/tmp/rig-hello-2.com1\", \"pipe:/tmp/rig-hello-2.com2\" ]\n", config, StringComparison.Ordinal);
        Assert.Contains("tsc_mode = \"native\"\n", config, StringComparison.Ordinal);
        Assert.Contains("on_crash = \"destroy\"\n", config, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quote_in_a_value_is_refused() =>
        Assert.Throws<ArgumentException>(() => XlGuestConfig.Pvh("d", "/p", "a=\"b\"", 1, 64));
}
