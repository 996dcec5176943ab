using FsCheck;
using FsCheck.Xunit;
using Rig.Compare;
using Rig.Store;

namespace Rig.Tests.Compare;

/// <summary>The comparison's promise to its users: noise never cries wolf, a real shift is never missed.</summary>
public sealed class DriftPropertyTests
{
    private static readonly CaseKey Key = new("time", "tsc-monotonic", "qemu-kvm");
    private static readonly ComparisonThresholds Thresholds = new(); // 10 % of the baseline median, alpha 0.01

    [Property]
    public bool IdenticalSamplesNeverDrift(NonEmptyArray<int> values)
    {
        var samples = values.Get.Select(v => (double)v).ToList();
        var drift = ReleaseComparer.Drift(Key, "latency", "us", samples, samples, Thresholds);
        return drift.Kind is not (DriftKind.Regression or DriftKind.Improvement);
    }

    [Property]
    public bool AShiftWellBeyondTheThresholdIsADriftRegression(int seed, PositiveInt extra, PositiveInt size)
    {
        var count = 10 + (size.Get % 40);
        var baseline = Noisy(seed, count, 100);
        var current = Noisy(seed + 1, count, 100 + 20 + (extra.Get % 1000));
        var drift = ReleaseComparer.Drift(Key, "latency", "us", baseline, current, Thresholds);
        return drift.Kind == DriftKind.Regression && drift.Test!.PValue < Thresholds.Alpha && Math.Abs(drift.Shift) > drift.Limit;
    }

    [Property]
    public bool NoiseBelowTheThresholdNeverDrifts(int seed, PositiveInt size, byte offset)
    {
        var count = 5 + (size.Get % 200);
        var baseline = Noisy(seed, count, 100);
        var current = Noisy(seed + 1, count, 100 + (offset % 5)); // at most ~9 % above, threshold is 10 %
        var drift = ReleaseComparer.Drift(Key, "latency", "us", baseline, current, Thresholds);
        return drift.Kind is not (DriftKind.Regression or DriftKind.Improvement);
    }

    [Fact]
    public void AShiftInTheBetterDirectionIsAnImprovement()
    {
        var lowerIsWorse = Thresholds with { Default = new MetricThreshold { Worse = WorseDirection.Down } };
        var eitherIsWorse = Thresholds with { Default = new MetricThreshold { Worse = WorseDirection.Either } };
        var drift = ReleaseComparer.Drift(Key, "latency", "us", Noisy(1, 30, 200), Noisy(2, 30, 100), eitherIsWorse);
        var improved = ReleaseComparer.Drift(Key, "throughput", "ops", Noisy(1, 30, 100), Noisy(2, 30, 200), lowerIsWorse);
        Assert.Equal(DriftKind.Regression, drift.Kind); // Either: any big move is a regression
        Assert.Equal(DriftKind.Improvement, improved.Kind);
    }

    [Fact]
    public void ALatencyThatFellIsAnImprovementAndARateThatFellIsARegression()
    {
        var lateness = ReleaseComparer.Drift(Key, "periodic_xapic_late_us", "us", Noisy(1, 30, 200), Noisy(2, 30, 100), Thresholds);
        var rate = ReleaseComparer.Drift(Key, "ipi_events_per_s", "events/s", Noisy(1, 30, 200), Noisy(2, 30, 100), Thresholds);
        Assert.Equal(DriftKind.Improvement, lateness.Kind);
        Assert.Equal(DriftKind.Regression, rate.Kind);
    }

    [Fact]
    public void AMetricWithNoKnownDirectionThatMovedIsAChangeNotARegression()
    {
        var vms = ReleaseComparer.Drift(Key, "vms", "count", Noisy(1, 30, 100), Noisy(2, 30, 300), Thresholds);
        var configured = Thresholds with { Metrics = new() { ["vms"] = new MetricThreshold { Worse = WorseDirection.Down } } };
        Assert.Equal(DriftKind.Changed, vms.Kind);
        Assert.Equal(DriftKind.Improvement, ReleaseComparer.Drift(Key, "vms", "count", Noisy(1, 30, 100), Noisy(2, 30, 300), configured).Kind);
    }

    [Fact]
    public void AShiftBeyondTheThresholdThatNoiseExplainsIsNotDrift()
    {
        // Medians 500 → 600 (+20 %, threshold 10 %), but the spread is ±400: the test cannot tell it from noise.
        double[] baseline = [100, 500, 900, 120, 880, 300, 700];
        double[] current = [200, 600, 1000, 220, 980, 400, 800];
        var drift = ReleaseComparer.Drift(Key, "latency", "us", baseline, current, Thresholds);
        Assert.True(Math.Abs(drift.Shift) > drift.Limit);
        Assert.Equal(DriftKind.NotSignificant, drift.Kind);
    }

    [Fact]
    public void TooFewSamplesAreSaidSoNotJudged()
    {
        var drift = ReleaseComparer.Drift(Key, "latency", "us", [1, 2], [100, 200], Thresholds);
        Assert.Equal(DriftKind.TooFewSamples, drift.Kind);
        Assert.Null(drift.Test);
    }

    [Fact]
    public void PerMetricThresholdOverridesTheDefault()
    {
        var loose = Thresholds with { Metrics = new() { ["latency"] = new MetricThreshold { RelativeShift = 5 } } };
        var drift = ReleaseComparer.Drift(Key, "latency", "us", Noisy(1, 30, 100), Noisy(2, 30, 300), loose);
        Assert.Equal(DriftKind.WithinThreshold, drift.Kind);
        Assert.Equal(DriftKind.Regression, ReleaseComparer.Drift(Key, "other_latency", "us", Noisy(1, 30, 100), Noisy(2, 30, 300), loose).Kind);
    }

    /// <summary>count values uniformly spread over [center, center + 5): run-to-run jitter of a stable metric.</summary>
    private static List<double> Noisy(int seed, int count, double center)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => center + (random.NextDouble() * 5))];
    }
}
