namespace Rig.Suites.Sched.Records;

/// <summary>
/// `RIG tlb vm= cpu= generations= checks= ipis= us= window=`: one vCPU's remap generations and checks (probes/TlbCoherence.cs), judged by Oracles/TlbCoherenceRules.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class TlbRecord
{
    public const string Kind = "tlb";
    public const string Vm = "vm";
    public const string Cpu = "cpu";
    public const string Generations = "generations";
    public const string Checks = "checks";
    public const string Ipis = "ipis";
    public const string Us = "us";
    public const string Window = "window";
}
