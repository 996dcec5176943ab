using Rig.Cases;
using Rig.Results;

namespace Rig.Tests.Cases;

/// <summary>
/// A case's summary must say what its verdict says. cpu.* cases skip a declared host deviation and then check that the
/// probe ran to its end; on a silent boot the second check failed, and the row read "FAIL … known deviation of
/// reference …": the skip's reason had stayed the summary of a failure (docs/notes/cpu.md, session 7).
/// </summary>
public sealed class CaseVerdictTests
{
    [Fact]
    public void A_failure_after_a_skip_is_summarised_by_the_failure()
    {
        var verdict = new CaseVerdict();
        verdict.Skip("known deviation of reference: the probe reported no outcome");
        verdict.Fail("the probe ran to its end (did not exit within the case's bound)");

        Assert.Equal(Verdict.Fail, verdict.Verdict);
        Assert.Equal("the probe ran to its end (did not exit within the case's bound)", verdict.Summary);
    }

    [Fact]
    public void The_first_failure_stays_the_summary()
    {
        var verdict = new CaseVerdict();
        verdict.Fail("first");
        verdict.Fail("second");
        verdict.Skip("a skip after a failure");

        Assert.Equal(Verdict.Fail, verdict.Verdict);
        Assert.Equal("first", verdict.Summary);
    }

    [Fact]
    public void An_error_outranks_a_failure_and_a_failure_cannot_undo_it()
    {
        var verdict = new CaseVerdict();
        verdict.Fail("a check failed");
        verdict.Error("the VMM was killed");
        verdict.Fail("a later check failed");

        Assert.Equal(Verdict.Error, verdict.Verdict);
        Assert.Equal("the VMM was killed", verdict.Summary);
    }

    [Fact]
    public void An_ok_case_has_no_summary_and_a_skip_keeps_its_reason()
    {
        var verdict = new CaseVerdict();
        Assert.Equal(Verdict.Ok, verdict.Verdict);
        Assert.Null(verdict.Summary);

        verdict.Skip("no snapshots on this target");
        verdict.Skip("another reason");
        Assert.Equal(Verdict.Skip, verdict.Verdict);
        Assert.Equal("no snapshots on this target", verdict.Summary);
    }
}
