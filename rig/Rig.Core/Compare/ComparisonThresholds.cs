namespace Rig.Compare;

/// <summary>
/// rig.json <c>compare:thresholds</c>: a metric drifts only when the shift is statistically significant
/// (p below <see cref="Alpha"/>) AND beyond its threshold, so run-to-run noise never reports a regression.
/// </summary>
public sealed record ComparisonThresholds
{
    /// <summary>Significance level of the two-sample test; 0.01 keeps false alarms to about 1 in 100 metrics.</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Fewer samples than this on either side cannot show drift; the metric is reported as such.</summary>
    public int MinimumSamples { get; init; } = 5;

    public MetricThreshold Default { get; init; } = new();

    /// <summary>
    /// Per metric name, e.g. <c>first_tick_us</c>; a name not listed uses <see cref="Default"/>. An entry is whole:
    /// what it leaves out takes <see cref="MetricThreshold"/>'s defaults, not <see cref="Default"/>'s values.
    /// </summary>
    public Dictionary<string, MetricThreshold> Metrics { get; init; } = [];

    public MetricThreshold For(string metric) => Metrics.TryGetValue(metric, out var t) ? t : Default;

    /// <summary>Call after binding: a configuration error names the key, as every rig.json error does.</summary>
    public void Validate()
    {
        if (Alpha is <= 0 or >= 1)
        {
            throw new ArgumentException($"compare:thresholds:Alpha must be in (0, 1), not {Alpha}");
        }

        if (MinimumSamples < 2)
        {
            throw new ArgumentException($"compare:thresholds:MinimumSamples must be at least 2, not {MinimumSamples}");
        }

        CheckShifts("compare:thresholds:Default", Default);
        foreach (var (metric, threshold) in Metrics)
        {
            CheckShifts($"compare:thresholds:Metrics:{metric}", threshold);
        }
    }

    private static void CheckShifts(string key, MetricThreshold threshold)
    {
        if (!(threshold.RelativeShift >= 0) || !(threshold.AbsoluteShift >= 0))
        {
            throw new ArgumentException($"{key}: RelativeShift and AbsoluteShift must be non-negative numbers");
        }
    }
}
