namespace Rig.Suites.Sched.Records;

/// <summary>
/// `RIG held vm= cpu= rounds= hold= registers= msr_checks= us= window=`: one vCPU's register holds across the churn (probes/RegisterIntegrity.cs).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class HeldRecord
{
    public const string Kind = "held";
    public const string Vm = "vm";
    public const string Cpu = "cpu";
    public const string Rounds = "rounds";
    public const string Hold = "hold";
    public const string Registers = "registers";
    public const string MsrChecks = "msr_checks";
    public const string Us = "us";
    public const string Window = "window";
}
