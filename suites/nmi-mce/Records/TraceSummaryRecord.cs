namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG ev-summary steps= logged= nmi_at_cpl0=`: the trace's totals (probes/Shared/EventTrace.cs): script steps, events logged, NMIs that arrived at CPL0.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class TraceSummaryRecord
{
    public const string Kind = "ev-summary";
    public const string Steps = "steps";
    public const string Logged = "logged";
    public const string NmiAtCpl0 = "nmi_at_cpl0";
}
