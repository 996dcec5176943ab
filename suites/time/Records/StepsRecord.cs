namespace Rig.Suites.Time.Records;

/// <summary>
/// `RIG steps clock=C cpu=N reads= back= worst_back_ns= max_fwd_ns= span_ns= [first_back_prev= first_back_now=] [max_excess_ns=] [back_unpromised= worst_back_unpromised_ns=] sum=`: one clock on one
/// vCPU read in a loop (probes/Shared/StepCheck.cs), judged by Oracles/ClockSteps.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class StepsRecord
{
    public const string Kind = "steps";
    public const string Clock = "clock";
    public const string Cpu = "cpu";
    public const string Reads = "reads";
    public const string Back = "back";
    public const string WorstBackNs = "worst_back_ns";
    public const string MaxForwardNs = "max_fwd_ns";
    public const string SpanNs = "span_ns";
    public const string FirstBackPrevious = "first_back_prev";
    public const string FirstBackNow = "first_back_now";

    /// <summary>time.density's pvclocks only: the most one step exceeded the step of the TSC it was computed from (probes/Shared/QpcCheck.cs).</summary>
    public const string MaxExcessNs = "max_excess_ns";

    /// <summary>
    /// pvclocks only, when not 0: steps back across a record update where neither record set PVCLOCK_TSC_STABLE_BIT,
    /// which <see cref="Back"/> leaves out (probes/Shared/StepCheck.cs StepStats.BackUnpromised).
    /// </summary>
    public const string BackUnpromised = "back_unpromised";
    public const string WorstBackUnpromisedNs = "worst_back_unpromised_ns";

    /// <summary>Last: the wrapping 64-bit sum of every number before it, so a record that lost bytes on the way is told from a true one.</summary>
    public const string Sum = "sum";
}
