namespace Rig.Compare;

/// <summary>
/// A release against its baseline: verdict changes, every metric's drift verdict, and target changes.
/// `rig compare` prints it, the report shows it, and <see cref="ExitCode"/> gates CI.
/// </summary>
public sealed record Comparison(
    string Release,
    string Baseline,
    IReadOnlyList<VerdictChange> VerdictChanges,
    IReadOnlyList<MetricDrift> Drifts,
    IReadOnlyList<TargetChange> TargetChanges)
{
    public IReadOnlyList<VerdictChange> Regressions => VerdictChanges.Where(c => c.Kind == ChangeKind.Regression).ToList();

    public IReadOnlyList<MetricDrift> DriftRegressions => Drifts.Where(d => d.Kind == DriftKind.Regression).ToList();

    public bool HasRegressions => Regressions.Count > 0 || DriftRegressions.Count > 0;

    /// <summary>1 when anything regressed (verdict or drift), else 0.</summary>
    public int ExitCode => HasRegressions ? 1 : 0;
}
