namespace Rig.Suites.Sched.Records;

/// <summary>
/// `RIG stale vm= cpu= generation= seen= invalidation=invlpg|cr3-write`: the window read an old generation after the invalidation and the shootdown (probes/TlbCoherence.cs).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class StaleRecord
{
    public const string Kind = "stale";
    public const string Vm = "vm";
    public const string Cpu = "cpu";
    public const string Generation = "generation";
    public const string Seen = "seen";
    public const string Invalidation = "invalidation";
}
