namespace Rig.Suites.Time.Records;

/// <summary>
/// `RIG warp clock=C cpus=N reads= warps= max_warp_ns= stable=0|1 [record_spread_ns=]`: reads ordered by a lock across vCPUs
/// (probes/Shared/WarpCheck.cs), judged by Oracles/CrossVcpuOrder.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class WarpRecord
{
    public const string Kind = "warp";
    public const string Clock = "clock";
    public const string Cpus = "cpus";
    public const string Reads = "reads";
    public const string Warps = "warps";
    public const string MaxWarpNs = "max_warp_ns";
    public const string Stable = "stable";
    public const string RecordSpreadNs = "record_spread_ns";
}
