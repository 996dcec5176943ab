namespace Rig.Suites.Sched.Records;

/// <summary>
/// `RIG tsc hz= source= pit_highest_hz=`: the TSC frequency every wait and window of probes/RegisterIntegrity.cs rests on (information).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class TscRecord
{
    public const string Kind = "tsc";
    public const string Hz = "hz";
    public const string Source = "source";
    public const string PitHighestHz = "pit_highest_hz";
}
