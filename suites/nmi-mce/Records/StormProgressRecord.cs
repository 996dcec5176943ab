namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG storm-progress baseline_per_ms= storm_per_ms= iterations= settle_iterations=`: vCPU 0's CPL3 progress before and during the storm (probes/NmiStorm.cs): a livelock shows as no progress.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class StormProgressRecord
{
    public const string Kind = "storm-progress";
    public const string BaselinePerMs = "baseline_per_ms";
    public const string StormPerMs = "storm_per_ms";
    public const string Iterations = "iterations";
    public const string SettleIterations = "settle_iterations";
}
