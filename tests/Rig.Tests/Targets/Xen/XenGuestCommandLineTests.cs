using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

public sealed class XenGuestCommandLineTests
{
    [Fact]
    public void A_long_case_gets_the_xen_answer_bound_after_its_own_parameters() =>
        Assert.Equal("n=3 host-answer-s=360", XenDomainVm.GuestCommandLine("n=3", TimeSpan.FromMinutes(20)));

    [Fact]
    public void The_answer_bound_ends_before_the_watchdog_so_a_lost_answer_is_the_probes_own_fail() =>
        Assert.Equal("seconds=1 control=1 host-answer-s=60", XenDomainVm.GuestCommandLine("seconds=1 control=1", TimeSpan.FromSeconds(120)));

    [Fact]
    public void A_case_without_parameters_gets_the_bound_alone() =>
        Assert.Equal("host-answer-s=360", XenDomainVm.GuestCommandLine("", TimeSpan.FromHours(1)));

    [Theory]
    [InlineData(360, 300)]
    [InlineData(300, 270)]
    [InlineData(60, 30)]
    public void A_save_the_probe_asked_for_gives_up_before_the_probe_does_so_its_err_ack_arrives(int answerSeconds, int saveSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(saveSeconds), XenDomainVm.SnapshotBoundWithin(TimeSpan.FromSeconds(answerSeconds)));
}
