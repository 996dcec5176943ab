using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>docs/protocol.md "Exit" on Xen: SCHEDOP_shutdown's reason names the probe status; anything else is never read as one.</summary>
public sealed class XenShutdownTests
{
    [Theory]
    [InlineData(XenShutdown.Poweroff, 0)]
    [InlineData(XenShutdown.Watchdog, 1)]
    [InlineData(XenShutdown.Crash, 2)]
    public void A_probe_reason_is_its_status(int reason, int status)
    {
        var exit = XenShutdown.ToExit(reason, timedOut: false, killedByWatchdog: false);

        Assert.Equal(status, exit.ProbeStatus);
    }

    [Theory]
    [InlineData(XenShutdown.Reboot)]
    [InlineData(XenShutdown.Suspend)]
    [InlineData(-1)]
    public void Another_end_such_as_a_triple_fault_has_no_probe_status(int reason) =>
        Assert.Null(XenShutdown.ToExit(reason, timedOut: false, killedByWatchdog: false).ProbeStatus);

    [Fact]
    public void A_destroyed_guest_is_not_a_clean_exit() =>
        Assert.Null(XenShutdown.ToExit(-1, timedOut: true, killedByWatchdog: false).ProbeStatus);
}
