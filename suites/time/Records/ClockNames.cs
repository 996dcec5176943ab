namespace Rig.Suites.Time.Records;

/// <summary>
/// The clocks the probes read, as records name them, and the `<clock>_ns=` step a pause or revert record carries for each.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class ClockNames
{
    public const string Tsc = "tsc";
    public const string Rdtscp = "rdtscp";
    public const string KvmClock = "kvmclock";
    public const string XenClock = "xenclock";

    /// <summary>The suffix of a clock's signed step field: <c>tsc_ns=-12</c>.</summary>
    public const string StepSuffix = "_ns";
}
