namespace Rig.Results;

/// <summary>One sample of a named metric; several samples of one name form its distribution.</summary>
public sealed record MetricSample(string Name, double Value, string Unit);

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
