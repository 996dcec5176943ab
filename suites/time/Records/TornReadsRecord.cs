namespace Rig.Suites.Time.Records;

/// <summary>
/// `RIG torn clock=C cpu=N reads= updates= retries_odd= retries_changed= torn= back= worst_back_ns= [first_torn_version=
/// first_torn_was= first_torn_now=]`: pvclock reads under high-rate record updates (probes/TornRecord.cs), judged by Oracles/TornReads.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class TornReadsRecord
{
    public const string Kind = "torn";
    public const string Clock = "clock";
    public const string Cpu = "cpu";
    public const string Reads = "reads";
    public const string Updates = "updates";
    public const string RetriesOdd = "retries_odd";
    public const string RetriesChanged = "retries_changed";
    public const string Torn = "torn";
    public const string Back = "back";
    public const string WorstBackNs = "worst_back_ns";
    public const string FirstTornVersion = "first_torn_version";
    public const string FirstTornWas = "first_torn_was";
    public const string FirstTornNow = "first_torn_now";
}
