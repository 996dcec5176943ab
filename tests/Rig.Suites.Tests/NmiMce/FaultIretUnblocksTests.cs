using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.Tests.NmiMce;

public class FaultIretUnblocksTests
{
    private const int Ud = 6, Gp = 13, Pf = 14;

    private static Trace Clean(Trace t, int fault) => t.Round().Ipi().Deliver().Ipi().Fault(fault).Deliver(held: false).Release().Iret();

    [Fact]
    public void The_latched_nmi_nested_after_each_fault_passes()
    {
        var t = Clean(Clean(Clean(new Trace(), Ud), Gp), Pf);
        var finding = FaultIretUnblocks.Check(t.Events, 3);
        Assert.Empty(finding.Problems);
        Assert.Equal([100.0, 100.0, 100.0], finding.NestedLatenciesUs);
    }

    [Fact]
    public void An_nmi_kept_blocked_until_the_nmi_handlers_iret_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Fault(Gp).Release().Iret().Deliver(held: false);
        var problem = Assert.Single(FaultIretUnblocks.Check(t.Events, 1).Problems);
        Assert.Contains("#GP handler's IRET did not end NMI blocking", problem);
    }

    [Fact]
    public void An_nmi_delivered_before_the_fault_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Deliver(held: false).Fault(Ud).Release().Iret();
        var problems = FaultIretUnblocks.Check(t.Events, 1).Problems;
        Assert.Contains(problems, p => p.Contains("before any IRET"));
    }

    [Fact]
    public void A_latched_nmi_lost_altogether_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Fault(Pf).Release().Iret();
        Assert.Contains("never delivered", Assert.Single(FaultIretUnblocks.Check(t.Events, 1).Problems));
    }

    [Fact]
    public void One_latched_nmi_delivered_twice_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Fault(Ud).Deliver(held: false).Release().Iret().Deliver(held: false);
        Assert.Contains("only one can be latched", Assert.Single(FaultIretUnblocks.Check(t.Events, 1).Problems));
    }

    [Fact]
    public void An_access_that_did_not_fault_is_not_read_as_blocking()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Fault(Pf).Fault(0).Release().Iret().Deliver(held: false);
        Assert.Contains("#PF at CPL0 did not fault", Assert.Single(FaultIretUnblocks.Check(t.Events, 1).Problems));
    }

    [Fact]
    public void A_fault_never_taken_fails()
    {
        var t = new Trace().Round().Ipi().Deliver().Ipi().Release().Iret().Deliver(held: false);
        Assert.Contains("never took the fault", Assert.Single(FaultIretUnblocks.Check(t.Events, 1).Problems));
    }
}
