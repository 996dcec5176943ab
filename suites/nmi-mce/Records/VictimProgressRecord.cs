namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG progress cpu0_iterations=`: how far vCPU 0's CPL3 work loop got while the script ran (probes/Shared/Victim.cs).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class VictimProgressRecord
{
    public const string Kind = "progress";
    public const string Cpu0Iterations = "cpu0_iterations";
}
