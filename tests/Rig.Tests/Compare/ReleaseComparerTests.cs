using Rig.Compare;
using Rig.Results;
using Rig.Store;
using Rig.Tests.Store;

namespace Rig.Tests.Compare;

public sealed class ReleaseComparerTests
{
    private static ReleaseView View(string release, TargetInfo[] targets, params CaseResult[] results)
    {
        var run = new StoredRun(SampleRuns.Run(release, $"{release}-run") with { Targets = targets }, null);
        return ReleaseView.Merge(release, [(run, results)]);
    }

    private static readonly TargetInfo[] Both = [new("reference", true, null, "1"), new("qemu-kvm", true, null, "7.2")];

    [Fact]
    public void PassToFailIsARegressionAndFailToPassAnImprovement()
    {
        var baseline = View("r1", Both,
            SampleRuns.Result("a", "qemu-kvm", Verdict.Ok),
            SampleRuns.Result("b", "qemu-kvm", Verdict.Fail),
            SampleRuns.Result("c", "qemu-kvm", Verdict.Ok),
            SampleRuns.Result("d", "qemu-kvm", Verdict.Ok),
            SampleRuns.Result("e", "qemu-kvm", Verdict.Ok));
        var current = View("r2", Both,
            SampleRuns.Result("a", "qemu-kvm", Verdict.Fail),
            SampleRuns.Result("b", "qemu-kvm", Verdict.Ok),
            SampleRuns.Result("c", "qemu-kvm", Verdict.Error),
            SampleRuns.Result("d", "qemu-kvm", Verdict.Ok),
            SampleRuns.Result("f", "qemu-kvm", Verdict.Ok));

        var comparison = ReleaseComparer.Compare(baseline, current, new ComparisonThresholds());

        var kinds = comparison.VerdictChanges.ToDictionary(c => c.Key.Case, c => c.Kind);
        Assert.Equal(ChangeKind.Regression, kinds["a"]);
        Assert.Equal(ChangeKind.Improvement, kinds["b"]);
        Assert.Equal(ChangeKind.Regression, kinds["c"]);
        Assert.Equal(ChangeKind.Missing, kinds["e"]);
        Assert.Equal(ChangeKind.Added, kinds["f"]);
        Assert.DoesNotContain("d", kinds.Keys);
        Assert.Equal(1, comparison.ExitCode);
    }

    [Fact]
    public void ACaseThatPassedAndFailedWithinTheReleaseIsFlakyNotARegression()
    {
        var baseline = View("r1", Both, SampleRuns.Result("a", "qemu-kvm", Verdict.Ok));
        var current = View("r2", Both,
            SampleRuns.Result("a", "qemu-kvm", Verdict.Ok),
            SampleRuns.Result("a", "qemu-kvm", Verdict.Fail, repeat: 1));

        var comparison = ReleaseComparer.Compare(baseline, current, new());

        Assert.Equal(ChangeKind.Flaky, Assert.Single(comparison.VerdictChanges).Kind);
        Assert.Equal(0, comparison.ExitCode);
    }

    [Fact]
    public void EveryRepeatFailingIsARegression()
    {
        var baseline = View("r1", Both, SampleRuns.Result("a", "qemu-kvm", Verdict.Ok));
        var current = View("r2", Both,
            SampleRuns.Result("a", "qemu-kvm", Verdict.Fail),
            SampleRuns.Result("a", "qemu-kvm", Verdict.Fail, repeat: 1));
        Assert.Equal(ChangeKind.Regression, Assert.Single(ReleaseComparer.Compare(baseline, current, new()).VerdictChanges).Kind);
    }

    [Fact]
    public void StabilityCountsRunsVerdictsAndTheFlakeRate()
    {
        var view = View("r1", Both,
            SampleRuns.Result("a", "qemu-kvm", Verdict.Ok),
            SampleRuns.Result("a", "qemu-kvm", Verdict.Fail, repeat: 1),
            SampleRuns.Result("a", "qemu-kvm", Verdict.Ok, repeat: 2),
            SampleRuns.Result("a", "qemu-kvm", Verdict.Ok, repeat: 3),
            SampleRuns.Result("b", "qemu-kvm", Verdict.Skip),
            SampleRuns.Result("b", "qemu-kvm", Verdict.Skip, repeat: 1),
            SampleRuns.Result("c", "qemu-kvm", Verdict.Skip),
            SampleRuns.Result("c", "qemu-kvm", Verdict.Error, repeat: 1));

        var rows = VerdictStability.Of(view);

        Assert.Equal(4, rows[0].Runs);
        Assert.Equal(3, rows[0].Seen[Verdict.Ok]);
        Assert.Equal(0.25, rows[0].FlakeRate);
        Assert.True(rows[0].Flaky);
        Assert.Equal(0, rows[1].FlakeRate);
        Assert.False(rows[1].Flaky);
        Assert.False(rows[1].Unsteady);
        Assert.False(rows[2].Flaky); // never passed: not flaky, so a regression stays a regression
        Assert.True(rows[2].Unsteady);
    }

    [Fact]
    public void MetricsAreComparedPerCaseTargetAndNameAndNonFiniteSamplesIgnored()
    {
        double[] stable = [100, 101, 102, 103, 104, 105, 106, 107];
        var baseline = View("r1", Both,
            SampleRuns.Result("a", "qemu-kvm", Verdict.Ok, SampleRuns.Latencies("latency", stable)),
            SampleRuns.Result("a", "reference", Verdict.Ok, SampleRuns.Latencies("latency", stable)));
        var current = View("r2", Both,
            SampleRuns.Result("a", "qemu-kvm", Verdict.Ok, SampleRuns.Latencies("latency", [.. stable.Select(v => v * 3), double.NaN])),
            SampleRuns.Result("a", "reference", Verdict.Ok, SampleRuns.Latencies("latency", [.. stable, double.PositiveInfinity])));

        var comparison = ReleaseComparer.Compare(baseline, current, new ComparisonThresholds());

        var drifted = Assert.Single(comparison.DriftRegressions);
        Assert.Equal("qemu-kvm", drifted.Key.Target);
        Assert.Equal(8, drifted.CurrentCount);
        Assert.Equal(2, comparison.Drifts.Count);
        Assert.Empty(comparison.VerdictChanges);
        Assert.Equal(1, comparison.ExitCode);
    }

    [Fact]
    public void NothingChangedExitsZeroAndTargetChangesAreShown()
    {
        TargetInfo[] xenGone = [.. Both, new("xen", false, "xl not found", "")];
        var baseline = View("r1", [.. Both, new("xen", true, null, "4.17")], SampleRuns.Result("a", "reference", Verdict.Ok));
        var current = View("r2", xenGone, SampleRuns.Result("a", "reference", Verdict.Ok));

        var comparison = ReleaseComparer.Compare(baseline, current, new ComparisonThresholds());

        Assert.Equal(0, comparison.ExitCode);
        var xen = Assert.Single(comparison.TargetChanges);
        Assert.Equal(("xen", true, false, "xl not found"), (xen.Target, xen.BaselineAvailable, xen.CurrentAvailable, xen.CurrentReason));
    }

    [Fact]
    public void ThresholdErrorsNameTheKey()
    {
        var bad = new ComparisonThresholds { Metrics = new() { ["lat"] = new MetricThreshold { RelativeShift = -1 } } };
        Assert.Contains("compare:thresholds:Metrics:lat", Assert.Throws<ArgumentException>(bad.Validate).Message);
        Assert.Contains("Alpha", Assert.Throws<ArgumentException>(new ComparisonThresholds { Alpha = 2 }.Validate).Message);
    }
}
