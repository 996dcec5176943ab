namespace Rig.Suites.Sched.Records;

/// <summary>
/// `RIG fault vm= cpu= vector= rip= error=`: an exception the churned probe never raises itself (probes/RegisterIntegrity.cs), judged by Oracles/RegisterIntegrityRules.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class FaultRecord
{
    public const string Kind = "fault";
    public const string Vm = "vm";
    public const string Cpu = "cpu";
    public const string Vector = "vector";
    public const string Rip = "rip";
    public const string Error = "error";
}
