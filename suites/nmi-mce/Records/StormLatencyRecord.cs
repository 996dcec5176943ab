namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG storm-latency from= ns=`: ping latencies in ns from index `from`, comma-separated (probes/NmiStorm.cs); the host takes the distribution.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class StormLatencyRecord
{
    public const string Kind = "storm-latency";
    public const string From = "from";
    public const string Ns = "ns";
}
