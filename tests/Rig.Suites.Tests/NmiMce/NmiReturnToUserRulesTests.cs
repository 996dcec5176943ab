using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.Tests.NmiMce;

public class NmiReturnToUserRulesTests
{
    [Fact]
    public void Both_nmis_of_each_round_delivered_passes()
    {
        var t = new Trace().Round().Ipi().Deliver(held: false).Ipi().Deliver(held: false)
            .Round().Ipi().Deliver(held: false).Ipi().Deliver(held: false);
        Assert.Empty(NmiReturnToUserRules.Check(t.Events, rounds: 2));
    }

    [Fact]
    public void Nmis_left_blocked_after_an_iret_to_user_fail_like_seed_004_item_9()
    {
        var t = new Trace().Round().Ipi().Deliver(held: false).Ipi();
        Assert.Contains("NMIs stayed blocked", Assert.Single(NmiReturnToUserRules.Check(t.Events, rounds: 1)));
    }

    [Fact]
    public void A_first_nmi_that_interrupted_cpl0_tests_nothing()
    {
        var t = new Trace().Round().Ipi().Deliver(held: false, cs: 0x8).Ipi().Deliver(held: false);
        Assert.Contains("not tested", Assert.Single(NmiReturnToUserRules.Check(t.Events, rounds: 1)));
    }
}
