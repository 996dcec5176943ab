namespace Rig.Results;

/// <summary>
/// One sample of a named metric; several samples of one name form its distribution. <paramref name="JudgedBy"/> names the
/// oracle and the bound that judge this very quantity (issue 12: every recorded metric is judged or says it is not):
/// "" when it is information only (recorded for distributions and release drift, no verdict depends on it), null for a
/// sample stored by a rig that did not record the distinction.
/// </summary>
public sealed record MetricSample(string Name, double Value, string Unit, string? JudgedBy = "");

/// <summary>A point of a time series, e.g. drift of vCPU 1's TSC: Series "vcpu1.tsc", X seconds, Y ppm.</summary>
public sealed record SeriesPoint(string Series, double X, double Y);

/// <summary>
/// What one case did on one target: the verdict, a one-line summary a person reads first,
/// and the evidence (records, host observations, the oracle and its citation) that proves it.
/// </summary>
public sealed record CaseResult(
    string Suite,
    string Case,
    string Target,
    Verdict Verdict,
    string Summary,
    string Evidence,
    IReadOnlyList<MetricSample> Metrics,
    IReadOnlyList<SeriesPoint> Series,
    string Log,
    DateTimeOffset Started,
    TimeSpan Duration,
    int Repeat = 0);
