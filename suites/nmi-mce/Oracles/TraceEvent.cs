using Rig.Protocol;
using Rig.Suites.NmiMce.Records;

namespace Rig.Suites.NmiMce.Oracles;

/// <summary>
/// A step of a probe's script (round, request, ipi, int: the target vCPU asked to execute INT n, release: taken by the
/// controlling vCPU) or what the target vCPU's
/// held handler logged at CPL0 (deliver, iret, fault: about to take the fault it was asked for, vector 0 when the
/// instruction did not fault); probes/Shared/EventTrace.cs prints them merged in TSC order.
/// </summary>
public enum TraceWhat
{
    Round,
    Deliver,
    Iret,
    Request,
    Ipi,
    Release,
    Fault,
    Int,
}

/// <summary>
/// One event of a probe's trace. <see cref="Depth"/> counts the held NMI/#MC handlers the target vCPU was inside when
/// it was recorded (a delivery counts itself); <see cref="Rip"/> and <see cref="Cs"/> are the context a delivery
/// interrupted; <see cref="Value"/> is the host's answer to a request (0 ok, 1 err, 2 timeout), or for an `int` step
/// recorded after the INT n returned, the vector of the fault the target raised instead of calling the handler.
/// </summary>
public sealed record TraceEvent(int Seq, int Round, TraceWhat What, int Vector, int Depth, long Us, ulong Rip, ulong Cs, long Value)
{
    public const int Nmi = 2;
    public const int MachineCheck = 18;

    /// <summary>The `RIG ev` records of a run, in the order the vCPU recorded them.</summary>
    public static IReadOnlyList<TraceEvent> FromRecords(IEnumerable<Record> records) =>
        [.. records.Where(r => r.Kind == TraceEventRecord.Kind).Select(FromRecord).OrderBy(e => e.Seq)];

    public static TraceEvent FromRecord(Record r) => new(
        (int)r.GetInt64(TraceEventRecord.Seq),
        (int)r.GetInt64(TraceEventRecord.Round),
        Enum.Parse<TraceWhat>(r[TraceEventRecord.What] ?? throw new FormatException($"record has no 'what': {r.Line}"), ignoreCase: true),
        (int)r.GetInt64(TraceEventRecord.Vector),
        (int)r.GetInt64(TraceEventRecord.Depth),
        r.GetInt64(TraceEventRecord.Us),
        (ulong)r.GetInt64(TraceEventRecord.Rip),
        (ulong)r.GetInt64(TraceEventRecord.Cs),
        r.GetInt64(TraceEventRecord.Value));

    /// <summary>The mnemonic of the exceptions the suite's probes raise or see raised (SDM Vol. 3A table 6-1).</summary>
    public static string ExceptionName(long vector) => vector switch { 6 => "#UD", 13 => "#GP", 14 => "#PF", _ => $"vector {vector}" };

    public override string ToString() => $"#{Seq} round {Round} {What.ToString().ToLowerInvariant()} vector {Vector} depth {Depth} at {Us} us";
}
