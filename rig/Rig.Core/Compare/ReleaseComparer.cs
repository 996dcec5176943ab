using MathNet.Numerics.Statistics;
using Rig.Results;
using Rig.Store;

namespace Rig.Compare;

/// <summary>Compares a release with its baseline (see <see cref="Comparison"/>).</summary>
public static class ReleaseComparer
{
    public static Comparison Compare(ReleaseView baseline, ReleaseView current, ComparisonThresholds thresholds)
    {
        var before = baseline.Verdicts;
        var after = current.Verdicts;
        var flaky = VerdictStability.Of(current).Where(s => s.Flaky).Select(s => s.Key).ToHashSet();
        var changes = before.Keys.Union(after.Keys)
            .Select(key => (key, b: Lookup(before, key), a: Lookup(after, key)))
            .Where(x => x.b != x.a)
            .Select(x => new VerdictChange(x.key, x.b, x.a, VerdictChange.Classify(x.b, x.a) is ChangeKind.Regression && flaky.Contains(x.key)
                ? ChangeKind.Flaky
                : VerdictChange.Classify(x.b, x.a)))
            .OrderBy(c => c.Kind).ThenBy(c => c.Key.ToString(), StringComparer.Ordinal)
            .ToList();

        var baselineSamples = Samples(baseline);
        var drifts = Samples(current)
            .Where(s => baselineSamples.ContainsKey(s.Key))
            .Select(s => Drift(s.Key.Key, s.Key.Metric, s.Value.Unit, baselineSamples[s.Key].Values, s.Value.Values, thresholds))
            .OrderBy(d => d.Kind).ThenBy(d => d.Key.ToString(), StringComparer.Ordinal).ThenBy(d => d.Metric, StringComparer.Ordinal)
            .ToList();

        return new Comparison(current.Release, baseline.Release, changes, drifts, TargetChanges(baseline, current));
    }

    /// <summary>Judges one metric: a drift regression needs significance AND a shift beyond the threshold.</summary>
    public static MetricDrift Drift(CaseKey key, string metric, string unit, IReadOnlyList<double> baseline,
        IReadOnlyList<double> current, ComparisonThresholds thresholds)
    {
        var threshold = thresholds.For(metric);
        var baselineMedian = baseline.Count > 0 ? baseline.Median() : double.NaN;
        var currentMedian = current.Count > 0 ? current.Median() : double.NaN;
        var limit = threshold.LimitFor(baselineMedian);
        if (baseline.Count < thresholds.MinimumSamples || current.Count < thresholds.MinimumSamples)
        {
            return new MetricDrift(key, metric, unit, baseline.Count, current.Count, baselineMedian, currentMedian, limit, null,
                DriftKind.TooFewSamples);
        }

        var test = MannWhitneyTest.Of(baseline, current);
        var shift = currentMedian - baselineMedian;
        var kind = test.PValue >= thresholds.Alpha ? DriftKind.NotSignificant
            : !(Math.Abs(shift) > limit) ? DriftKind.WithinThreshold
            : Judge(shift, threshold.Worse is WorseDirection.Unknown ? MetricDirections.Of(metric, unit) : threshold.Worse);
        return new MetricDrift(key, metric, unit, baseline.Count, current.Count, baselineMedian, currentMedian, limit, test, kind);
    }

    private static DriftKind Judge(double shift, WorseDirection worse) => worse switch
    {
        WorseDirection.Up => shift > 0 ? DriftKind.Regression : DriftKind.Improvement,
        WorseDirection.Down => shift < 0 ? DriftKind.Regression : DriftKind.Improvement,
        WorseDirection.Either => DriftKind.Regression,
        _ => DriftKind.Changed,
    };

    private static Verdict? Lookup(IReadOnlyDictionary<CaseKey, Verdict> verdicts, CaseKey key) =>
        verdicts.TryGetValue(key, out var v) ? v : null;

    // Non-finite samples (a probe printing nan or inf) carry no magnitude to compare; they are left out.
    private static Dictionary<(CaseKey Key, string Metric), (string Unit, List<double> Values)> Samples(ReleaseView view) =>
        view.Results
            .SelectMany(r => r.Metrics.Where(m => double.IsFinite(m.Value)).Select(m => (Key: (CaseKey.Of(r), m.Name), m)))
            .GroupBy(x => x.Key)
            .ToDictionary(g => g.Key, g => (g.First().m.Unit, g.Select(x => x.m.Value).ToList()));

    private static List<TargetChange> TargetChanges(ReleaseView baseline, ReleaseView current)
    {
        var before = baseline.Targets.ToDictionary(t => t.Name);
        var after = current.Targets.ToDictionary(t => t.Name);
        return before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Select(name => (b: before.GetValueOrDefault(name), a: after.GetValueOrDefault(name), name))
            .Where(x => x.b?.Available != x.a?.Available || x.b?.Version != x.a?.Version)
            .Select(x => new TargetChange(x.name, x.b?.Available, x.a?.Available, x.b?.Version, x.a?.Version, x.a?.Reason))
            .ToList();
    }
}
