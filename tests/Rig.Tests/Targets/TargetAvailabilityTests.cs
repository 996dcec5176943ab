using Rig.Config;
using Rig.Targets;

namespace Rig.Tests.Targets;

/// <summary>A target that cannot run says why; it is never silently treated as available.</summary>
public sealed class TargetAvailabilityTests
{
    private const string Missing = "/nonexistent/rig-test/no-such-vmm";

    [Fact]
    public void A_qemu_target_whose_binary_is_missing_is_unavailable_naming_the_binary()
    {
        var target = new QemuTarget("q", new TargetOptions { Kind = "qemu", Binary = Missing, Accel = "tcg" }, "/");

        var availability = target.Probe();

        Assert.False(availability.Available);
        Assert.Contains(Missing, availability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_target_whose_binary_is_missing_says_to_build_it()
    {
        var target = new ReferenceTarget("reference", new TargetOptions { Kind = "reference", Binary = Missing }, "/");

        var availability = target.Probe();

        Assert.False(availability.Available);
        Assert.Contains("Rig.Hypervisor.csproj", availability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Xen_without_xl_is_unavailable_and_cannot_boot()
    {
        var target = new XenTarget("xen", new TargetOptions { Kind = "xen", Binary = Missing }, "/");

        Assert.False(target.Probe().Available);
        await Assert.ThrowsAsync<TargetUnsupportedException>(() => target.BootAsync(new VmSpec("x", "", TimeSpan.FromSeconds(1)), CancellationToken.None));
    }

    [RequiresQemuFact]
    public void A_qemu_configuration_qemu_rejects_is_unavailable_with_qemus_own_words()
    {
        var options = new TargetOptions { Kind = "qemu", Binary = RequiresQemuFactAttribute.Qemu, Accel = "tcg", Cpu = "max,no-such-property=on" };

        var availability = new QemuTarget("q", options, "/").Probe();

        Assert.False(availability.Available);
        Assert.Contains("no-such-property", availability.Reason, StringComparison.Ordinal);
        Assert.StartsWith("QEMU emulator version", availability.Version, StringComparison.Ordinal);
    }

    [RequiresQemuFact]
    public void Tcg_is_available_wherever_qemu_is()
    {
        var options = new TargetOptions { Kind = "qemu", Binary = RequiresQemuFactAttribute.Qemu, Accel = "tcg", Machine = "microvm" };

        var availability = new QemuTarget("q", options, "/").Probe();

        Assert.True(availability.Available, availability.Reason);
    }

    [Fact]
    public void A_vm_exit_decodes_the_debug_exit_status_only_when_it_came_from_the_port()
    {
        Assert.Equal(2, new VmExit(5, TimedOut: false, KilledByWatchdog: false).ProbeStatus);
        Assert.Null(new VmExit(124, TimedOut: false, KilledByWatchdog: false).ProbeStatus);
        Assert.Null(new VmExit(1, TimedOut: true, KilledByWatchdog: false).ProbeStatus);
    }
}
