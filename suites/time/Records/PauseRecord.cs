namespace Rig.Suites.Time.Records;

/// <summary>
/// `RIG pause i=N host_us= bracket_ns= tsc_ns= [kvmclock_ns=] [xenclock_ns=]`: each clock's step across one host pause
/// (probes/PauseResume.cs), judged by Oracles/PauseJumps.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class PauseRecord
{
    public const string Kind = "pause";
    public const string Index = "i";
    public const string HostUs = "host_us";
    public const string BracketNs = "bracket_ns";
}
