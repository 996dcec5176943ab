using Rig.Store;

namespace Rig.Compare;

/// <summary>
/// One metric of one case on one target, baseline vs current: medians, the shift and its limit (effect size
/// vs threshold), and the two-sample test (U, z, p) that says whether the shift is more than noise.
/// </summary>
public sealed record MetricDrift(
    CaseKey Key,
    string Metric,
    string Unit,
    int BaselineCount,
    int CurrentCount,
    double BaselineMedian,
    double CurrentMedian,
    double Limit,
    MannWhitneyTest? Test,
    DriftKind Kind)
{
    public double Shift => CurrentMedian - BaselineMedian;

    /// <summary>Shift as a fraction of the baseline median; NaN when the baseline median is 0.</summary>
    public double RelativeShift => BaselineMedian == 0 ? double.NaN : Shift / Math.Abs(BaselineMedian);
}
