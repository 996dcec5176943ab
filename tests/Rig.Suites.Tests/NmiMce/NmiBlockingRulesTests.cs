using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.Tests.NmiMce;

public class NmiBlockingRulesTests
{
    private static Trace CleanRound(Trace t) =>
        t.Round().Ipi().Deliver().Request().Request().Ipi().Release().Iret().Deliver(held: false);

    [Fact]
    public void Held_then_one_latched_nmi_per_round_passes()
    {
        var t = CleanRound(CleanRound(new Trace()));
        var finding = NmiBlockingRules.Check(t.Events, rounds: 2);
        Assert.Empty(finding.Problems);
        Assert.Equal(2, finding.LatchLatenciesUs.Count);
        Assert.All(finding.LatchLatenciesUs, us => Assert.Equal(100, us));
    }

    [Fact]
    public void A_nested_nmi_inside_the_blocking_window_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Request().Deliver(held: false).Release().Iret().Deliver(held: false);
        var problem = Assert.Single(NmiBlockingRules.Check(t.Events, rounds: 1).Problems);
        Assert.Contains("inside the NMI handler, before its IRET (nested, depth 2", problem);
    }

    [Fact]
    public void A_lost_latched_nmi_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Request().Request().Release().Iret();
        Assert.Contains("the latched NMI was lost", Assert.Single(NmiBlockingRules.Check(t.Events, rounds: 1).Problems));
    }

    [Fact]
    public void Two_nmis_after_the_iret_fail_the_one_latch_rule()
    {
        var t = new Trace().Round().Ipi().Deliver().Request().Request().Release().Iret().Deliver(held: false).Deliver(held: false);
        Assert.Contains("only one can be latched", Assert.Single(NmiBlockingRules.Check(t.Events, rounds: 1).Problems));
    }

    [Fact]
    public void A_round_whose_opening_nmi_never_came_fails()
    {
        var t = new Trace().Round().Ipi().Release();
        Assert.Contains("never delivered", Assert.Single(NmiBlockingRules.Check(t.Events, rounds: 1).Problems));
    }

    [Fact]
    public void A_round_with_nothing_sent_inside_the_handler_tested_nothing()
    {
        var t = new Trace().Round().Ipi().Deliver().Request(ack: 1).Release().Iret();
        Assert.Contains("blocking was not tested", Assert.Single(NmiBlockingRules.Check(t.Events, rounds: 1).Problems));
    }
}
