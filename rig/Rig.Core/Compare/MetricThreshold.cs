namespace Rig.Compare;

/// <summary>
/// How far a metric's median may move before it counts as drift: the larger of <see cref="AbsoluteShift"/>
/// (in the metric's unit) and <see cref="RelativeShift"/> of the baseline median. Settable properties so
/// rig.json's <c>compare:thresholds</c> binds onto it.
/// </summary>
public sealed record MetricThreshold
{
    public double RelativeShift { get; init; } = 0.10;

    public double AbsoluteShift { get; init; }

    /// <summary>Unset (<see cref="WorseDirection.Unknown"/>): the metric's built-in direction (<see cref="MetricDirections"/>).</summary>
    public WorseDirection Worse { get; init; }

    public double LimitFor(double baselineMedian) => Math.Max(AbsoluteShift, RelativeShift * Math.Abs(baselineMedian));
}
