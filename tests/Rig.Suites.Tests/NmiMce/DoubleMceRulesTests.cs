using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.Tests.NmiMce;

public class DoubleMceRulesTests
{
    private const int Mc = TraceEvent.MachineCheck;

    [Fact]
    public void A_shutdown_with_no_boot_1_trace_passes()
    {
        Assert.Empty(DoubleMceRules.Check([], shutdown: true));
    }

    [Fact]
    public void A_second_mce_delivered_during_mcip_fails_like_seed_004_item_7()
    {
        var t = new Trace().Round().Request(Mc).Deliver(Mc).Request(Mc).Deliver(Mc, held: false).Release().Iret(Mc);
        Assert.Contains("instead of a shutdown", Assert.Single(DoubleMceRules.Check(t.Events, shutdown: false)));
    }

    [Fact]
    public void A_second_mce_that_vanished_fails()
    {
        var t = new Trace().Round().Request(Mc).Deliver(Mc).Request(Mc).Release().Iret(Mc);
        Assert.Contains("it was lost", Assert.Single(DoubleMceRules.Check(t.Events, shutdown: false)));
    }

    [Fact]
    public void A_first_mce_that_never_came_tests_nothing()
    {
        var t = new Trace().Round().Request(Mc).Release();
        Assert.Contains("not tested", Assert.Single(DoubleMceRules.Check(t.Events, shutdown: false)));
    }
}
