using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.Tests.NmiMce;

public class FakeEventsTests
{
    private const int Nmi = TraceEvent.Nmi, Mc = TraceEvent.MachineCheck;

    [Fact]
    public void A_real_nmi_nested_at_once_in_the_int2_handler_passes()
    {
        var t = new Trace().Round().Int(Nmi).Deliver().Ipi().Deliver(held: false).Release().Iret();
        Assert.Empty(FakeEvents.Check(t.Events, 1, Nmi));
    }

    [Fact]
    public void A_real_mce_nested_in_the_int18_handler_passes()
    {
        var t = new Trace().Round().Int(Mc).Deliver(Mc).Request(Mc).Deliver(Mc, held: false).Release().Iret(Mc);
        Assert.Empty(FakeEvents.Check(t.Events, 1, Mc));
    }

    [Fact]
    public void A_real_mce_delivered_before_its_acknowledgement_still_counts_as_nested()
    {
        var t = new Trace().Round().Int(Mc).Deliver(Mc).Deliver(Mc, held: false).Request(Mc).Release().Iret(Mc);
        Assert.Empty(FakeEvents.Check(t.Events, 1, Mc));
    }

    [Fact]
    public void An_int2_that_raised_ud_fails_with_that_evidence()
    {
        var t = new Trace().Round().Int(Nmi).Ipi().Deliver(held: false).Int(Nmi, faulted: 6);
        var problem = Assert.Single(FakeEvents.Check(t.Events, 1, Nmi));
        Assert.Contains("INT 2 at CPL3 through a DPL3 gate raised #UD instead of calling the NMI handler", problem);
    }

    [Fact]
    public void An_int2_the_target_dropped_fails_with_what_the_real_nmi_did()
    {
        var t = new Trace().Round().Int(Nmi).Ipi().Deliver(held: false);
        var problem = Assert.Single(FakeEvents.Check(t.Events, 1, Nmi));
        Assert.Contains("INT 2 executed at CPL3 never reached the NMI handler", problem);
        Assert.Contains("the real NMI sent afterwards was delivered", problem);
    }

    [Fact]
    public void A_real_nmi_blocked_by_the_fake_one_fails()
    {
        var t = new Trace().Round().Int(Nmi).Deliver().Ipi().Release().Iret().Deliver(held: false);
        Assert.Contains("treated INT 2 as a real NMI", Assert.Single(FakeEvents.Check(t.Events, 1, Nmi)));
    }

    [Fact]
    public void A_real_mce_refused_inside_the_fake_handler_fails()
    {
        var t = new Trace().Round().Int(Mc).Deliver(Mc).Request(Mc, ack: 1).Release().Iret(Mc);
        Assert.Contains("refused the real #MC", Assert.Single(FakeEvents.Check(t.Events, 1, Mc)));
    }
}
