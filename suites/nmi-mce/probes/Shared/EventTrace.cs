using Rig.Guest;
using Rig.Suites.NmiMce.Records;

/// <summary>
/// The script's steps as the controlling vCPU took them (a new round, a host injection it asked for, an NMI IPI, an
/// INT n it asked the target vCPU to execute, the release of the held handler), merged by TSC with what the target vCPU's CPL0 handler logged (deliveries, IRETs and
/// requested faults, guest-probes/Runtime/HeldEvents.cs), and printed as `RIG ev` records, the input of the suite's oracles
/// (suites/nmi-mce/Oracles/TraceEvent.cs): seq, round, what, vector, depth (held handlers the target vCPU was inside),
/// us (since the trace started), the interrupted RIP and CS, and value (a request's ack: 0 ok, 1 err, 2 timeout).
/// </summary>
public static unsafe class EventTrace
{
    public const int Capacity = 128;

    public const ulong Round = 10;
    public const ulong Request = 11;
    public const ulong Ipi = 12;
    public const ulong Release = 13;
    public const ulong Int = 14;

    private struct Step
    {
        public ulong What;
        public ulong Vector;
        public ulong Depth;
        public ulong Tsc;
        public ulong Value;
    }

    private static Step* steps;
    private static ulong count;
    private static ulong start;
    private static int target;

    /// <summary>Starts a trace of the script played against <paramref name="targetCpu"/>.</summary>
    public static void Start(int targetCpu)
    {
        steps = (Step*)Heap.Allocate((ulong)(Capacity * sizeof(Step)));
        target = targetCpu;
        start = Tsc.Now;
    }

    public static void Add(ulong what, ulong vector, ulong value)
    {
        if (count >= Capacity)
        {
            return;
        }
        Step* s = &steps[count++];
        s->What = what;
        s->Vector = vector;
        s->Depth = HeldEvents.Depth(target);
        s->Tsc = Tsc.Now;
        s->Value = value;
    }

    /// <summary>
    /// Asks the host for an action and records its answer. The wait ends at the ack, bounded like every answer whose
    /// timing is not judged: xen-tcg's `xl trigger nmi`, run by its dom0 agent under TCG on a loaded host, came after
    /// the 1 s this once was (the request read `timeout` and nmi-blocking skipped though Xen injects NMIs).
    /// </summary>
    public static Acknowledgement HostRequest(string action, ulong vector)
    {
        Acknowledgement ack = Control.Request(action, Control.AnswerBoundUs);
        Add(Request, vector, (ulong)ack);
        return ack;
    }

    /// <summary>An NMI IPI to the target vCPU (physical destination, SDM Vol. 3A 12.6.1), recorded.</summary>
    public static void NmiIpi(uint apicId)
    {
        Add(Ipi, 2, 0);
        LocalApic.SendIpi(apicId, LocalApic.DeliveryNmi | LocalApic.LevelAssert);
    }

    /// <summary>
    /// Releases the target's held handler, recorded, and waits until the handler has logged its IRET (a slow target,
    /// TCG, takes tens of ms to leave its spin), so what the script watches next happens after the IRET.
    /// </summary>
    public static void ReleaseHeld()
    {
        Add(Release, 0, 0);
        ulong logged = HeldEvents.Count(target);
        HeldEvents.Release(target);
        HeldEvents.WaitBeyond(target, logged, 2_000_000);
    }

    /// <summary>Both logs merged in TSC order.</summary>
    public static void Print()
    {
        ulong logged = HeldEvents.Count(target);
        ulong mine = 0, theirs = 0, seq = 0, round = 0;
        HeldEvents.Entry entry;
        while (mine < count || HeldEvents.TryGet(target, theirs, out entry))
        {
            bool takeTheirs = HeldEvents.TryGet(target, theirs, out entry) && (mine >= count || entry.Tsc < steps[mine].Tsc);
            Line line = default;
            line.Text("RIG ");
            line.Text(TraceEventRecord.Kind);
            line.Field(TraceEventRecord.Seq, seq++);
            if (takeTheirs)
            {
                theirs++;
                Describe(ref line, round, entry.What switch { HeldEvents.Deliver => "deliver", HeldEvents.Fault => "fault", _ => "iret" }, entry.Vector, entry.Depth, entry.Tsc);
                line.HexField(TraceEventRecord.Rip, entry.Rip);
                line.HexField(TraceEventRecord.Cs, entry.Cs);
                line.Field(TraceEventRecord.Value, 0);
            }
            else
            {
                Step* s = &steps[mine++];
                round += s->What == Round ? 1UL : 0UL;
                Describe(ref line, round, s->What switch { Round => "round", Request => "request", Ipi => "ipi", Int => "int", _ => "release" }, s->Vector, s->Depth, s->Tsc);
                line.HexField(TraceEventRecord.Rip, 0);
                line.HexField(TraceEventRecord.Cs, 0);
                line.Field(TraceEventRecord.Value, s->Value);
            }
            Console.Write(ref line);
        }
        Line summary = default;
        summary.Text("RIG ");
        summary.Text(TraceSummaryRecord.Kind);
        summary.Field(TraceSummaryRecord.Steps, count);
        summary.Field(TraceSummaryRecord.Logged, logged);
        summary.Field(TraceSummaryRecord.NmiAtCpl0, Runtime.NmisAtCpl0);
        Console.Write(ref summary);
    }

    private static void Describe(ref Line line, ulong round, string what, ulong vector, ulong depth, ulong tsc)
    {
        line.Field(TraceEventRecord.Round, round);
        line.TextField(TraceEventRecord.What, what);
        line.Field(TraceEventRecord.Vector, vector);
        line.Field(TraceEventRecord.Depth, depth);
        line.Field(TraceEventRecord.Us, tsc > start ? Tsc.Microseconds(tsc - start) : 0);
    }
}
