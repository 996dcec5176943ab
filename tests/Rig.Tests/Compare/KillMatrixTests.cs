using Rig.Compare;
using Rig.Results;
using Rig.Store;
using Rig.Tests.Store;

namespace Rig.Tests.Compare;

public sealed class KillMatrixTests
{
    private static (StoredRun, IReadOnlyList<CaseResult>) Repeated(string defect, string @case, params Verdict[] verdicts) =>
        (new StoredRun(SampleRuns.Run("r1", $"mutate-{defect}", defect: defect), null),
         verdicts.Select((v, i) => SampleRuns.Result(@case, KillMatrix.ReferenceTarget, v, repeat: i,
             evidence: $"oracle: SDM 12.4.7.1\n{(v == Verdict.Fail ? "FAIL" : "PASS")}: repeat {i}")).ToList());

    private static (StoredRun, IReadOnlyList<CaseResult>) Mutant(string defect, params (string Case, Verdict Verdict)[] verdicts) =>
        (new StoredRun(SampleRuns.Run("r1", $"mutate-{defect}", defect: defect), null),
         verdicts.Select(v => SampleRuns.Result(v.Case, KillMatrix.ReferenceTarget, v.Verdict)).ToList());

    private static ReleaseView Clean(params (string Case, Verdict Verdict)[] verdicts) =>
        ReleaseView.Merge("r1", [(new StoredRun(SampleRuns.Run("r1", "clean"), null),
            verdicts.Select(v => SampleRuns.Result(v.Case, KillMatrix.ReferenceTarget, v.Verdict))
                .Append(SampleRuns.Result("reset-state", "qemu-kvm", Verdict.Fail)) // other targets do not count
                .ToList())]);

    [Fact]
    public void EachDefectIsKilledByTheCasesThatFailOnIt()
    {
        var matrix = KillMatrix.From(Clean(("reset-state", Verdict.Ok), ("timer", Verdict.Ok)),
        [
            Mutant("stale-isr", ("reset-state", Verdict.Fail), ("timer", Verdict.Fail)),
            Mutant("nmi-dropped", ("reset-state", Verdict.Ok), ("timer", Verdict.Error)),
        ]);

        Assert.Equal(["nmi-dropped", "stale-isr"], matrix.Defects);
        Assert.Equal(["apic.reset-state", "apic.timer"], matrix.KilledBy("stale-isr"));
        Assert.Equal(["nmi-dropped"], matrix.Survivors); // an error is not a kill
        Assert.Empty(matrix.CleanFailures);
        Assert.False(matrix.Holds);
    }

    [Fact]
    public void AFailureOnTheCleanReferenceVoidsTheMatrixAndItsKills()
    {
        var matrix = KillMatrix.From(Clean(("reset-state", Verdict.Fail)), [Mutant("stale-isr", ("reset-state", Verdict.Fail))]);
        Assert.Equal(["apic.reset-state"], matrix.CleanFailures);
        Assert.Empty(matrix.KilledBy("stale-isr"));
        Assert.Contains("apic.reset-state", matrix.VoidReason);
        Assert.False(matrix.Holds);
    }

    [Fact]
    public void OnlyACaseFailingOnEveryRepeatKillsAndItsTimeAndEvidenceAreKept()
    {
        var matrix = KillMatrix.From(Clean(("reset-state", Verdict.Ok), ("timer", Verdict.Ok)),
        [
            Repeated("stale-isr", "reset-state", Verdict.Fail, Verdict.Fail, Verdict.Fail),
            Repeated("timer-lost", "timer", Verdict.Fail, Verdict.Ok, Verdict.Fail),
        ]);

        var kill = Assert.Single(matrix.Kills("stale-isr"));
        Assert.Equal(("apic.reset-state", 3, 3), (kill.Case, kill.FailedRuns, kill.Runs));
        Assert.Equal("FAIL: repeat 0", kill.Evidence);
        Assert.Equal(TimeSpan.FromMilliseconds(812), kill.CaseTime);
        Assert.Equal(2, Assert.Single(matrix.FailuresOn("timer-lost")).FailedRuns);
        Assert.Equal(["timer-lost"], matrix.Survivors);
        Assert.Null(matrix.VoidReason);
    }

    [Fact]
    public void EveryDefectKilledAndACleanReferenceHolds()
    {
        var matrix = KillMatrix.From(Clean(("reset-state", Verdict.Ok)), [Mutant("stale-isr", ("reset-state", Verdict.Fail))]);
        Assert.True(matrix.Holds);
    }

    [Fact]
    public void WithoutACleanReferenceRunNothingIsProven()
    {
        var matrix = KillMatrix.From(ReleaseView.Merge("r1", []), [Mutant("stale-isr", ("reset-state", Verdict.Fail))]);
        Assert.False(matrix.HasCleanReference);
        Assert.False(matrix.Holds);
    }
}
