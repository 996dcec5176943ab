namespace Rig.Suites.Time.Records;

/// <summary>
/// `RIG revert i=N host_ns= tsc_ns= [kvmclock_ns=] [xenclock_ns=]`: each clock's step from the snapshot's save to after its
/// revert (probes/SnapshotRevert.cs), judged by Oracles/RevertContinuity.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class RevertRecord
{
    public const string Kind = "revert";
    public const string Index = "i";
    public const string HostNs = "host_ns";
}
