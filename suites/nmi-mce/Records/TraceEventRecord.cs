namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG ev seq= round= what= vector= depth= us= rip= cs= value=`: one event of a held-handler trace: delivered, faulted, returned (iret), or a step of the script (probes/Shared/EventTrace.cs), read by Oracles/TraceEvent.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class TraceEventRecord
{
    public const string Kind = "ev";
    public const string Seq = "seq";
    public const string Round = "round";
    public const string What = "what";
    public const string Vector = "vector";
    public const string Depth = "depth";
    public const string Us = "us";
    public const string Rip = "rip";
    public const string Cs = "cs";
    public const string Value = "value";
}
