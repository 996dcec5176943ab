using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.Tests.NmiMce;

public class MceInNmiRulesTests
{
    private const int Mc = TraceEvent.MachineCheck;

    [Fact]
    public void Mce_nested_then_the_latched_nmi_nested_passes()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Deliver(Mc, held: false).Deliver(held: false).Request(Mc).Release().Iret();
        Assert.Empty(MceInNmiRules.Check(t.Events));
    }

    [Fact]
    public void A_latched_nmi_still_blocked_after_the_mce_iret_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Deliver(Mc, held: false).Request(Mc).Release().Iret().Deliver(held: false);
        Assert.Contains("did not end NMI blocking, or the NMI sent inside the handler was never latched", Assert.Single(MceInNmiRules.Check(t.Events)));
    }

    [Fact]
    public void An_nmi_nested_before_any_iret_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Deliver(held: false).Deliver(Mc, held: false).Release().Iret();
        Assert.Contains("before any IRET", Assert.Single(MceInNmiRules.Check(t.Events)));
    }

    [Fact]
    public void A_mce_held_back_until_the_nmi_handler_returned_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Request(Mc).Release().Iret().Deliver(Mc, held: false);
        Assert.Contains("not delivered there", Assert.Single(MceInNmiRules.Check(t.Events)));
    }
}
