using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>What one vCPU saw of one pvclock's record while the host rewrote it.</summary>
public struct TornStats
{
    public ulong Reads;
    public ulong Updates;
    public ulong Torn;
    public ulong FirstTornVersion;
    public ulong FirstTornWas;
    public ulong FirstTornNow;
    public ulong Backward;
    public ulong WorstBackward;
    public PvClockRetries Retries;
    public PvClockTimeInfo Last;
    public ulong Previous;
}

/// <summary>
/// time.torn-record, guest side: the host recalibrates at a high rate and holds each record update half written
/// (`recalibrate`); meanwhile every vCPU reads its kvmclock and Xen pvclock records by the version protocol for `ms=`
/// milliseconds. One version names one update (public/xen.h vcpu_time_info: odd while updating, changed by every
/// update), so two accepted copies with the same version and different contents mean a torn one was used; the time
/// computed from each copy must not step back either. The protocol's retries show the readers met records mid-update.
/// The host judges `RIG torn` (suites/time/Oracles/TornReads.cs).
/// </summary>
public static unsafe class Probe
{
    public const string Name = "time.torn-record";

    private const int MaxCpus = 64;
    private const int Pvclocks = 2;

    private static ulong microseconds;
    private static TornStats* results;

    public static void Main()
    {
        microseconds = CommandLine.GetNumber("ms", 2000) * 1000;
        Clocks.Setup(Name);
        results = (TornStats*)Heap.Allocate((ulong)(MaxCpus * Pvclocks * sizeof(TornStats)));
        // Setup reported every absent clock; with none, there is no record to read.
        if (!Clocks.Has(Clocks.KvmClock) && !Clocks.Has(Clocks.XenClock))
        {
            return;
        }
        // Sleeps of whole milliseconds on the host: 1 ms held per record update, 100 updates of each record a second.
        if (!Host.Ask(Name, "recalibrate hz=100 hold-us=1000", "no-forced-recalibration"))
        {
            return;
        }
        if (Team.Run(Name, &Work))
        {
            Print();
        }
    }

    private static TornStats* Of(int cpu, int clock) => results + cpu * Pvclocks + (clock - Clocks.KvmClock);

    private static void Work(int cpu)
    {
        Clocks.EnableHere();
        PvClockTimeInfo* kvm = Clocks.Has(Clocks.KvmClock) ? Clocks.Record(Clocks.KvmClock) : null;
        PvClockTimeInfo* xen = Clocks.Has(Clocks.XenClock) ? Clocks.Record(Clocks.XenClock) : null;
        Team.Sync(10_000_000);
        ulong end = Tsc.Now + Tsc.Cycles(microseconds);
        while (Tsc.Now < end)
        {
            if (kvm != null)
            {
                Observe(Of(cpu, Clocks.KvmClock), kvm);
            }
            if (xen != null)
            {
                Observe(Of(cpu, Clocks.XenClock), xen);
            }
        }
        if (!Team.Sync(microseconds + 30_000_000))
        {
            Report.Fail(Name, "vcpu-stalled");
        }
    }

    /// <summary>One read: a copy by the protocol and the time from it, both held against this vCPU's previous read.</summary>
    private static void Observe(TornStats* s, PvClockTimeInfo* record)
    {
        PvClockTimeInfo copy = PvClock.Snapshot(record, &s->Retries);
        ulong now = PvClock.Nanoseconds(Clocks.OrderedTsc(), copy);
        if (s->Reads != 0)
        {
            if (copy.Version != s->Last.Version)
            {
                s->Updates++;
            }
            else if (!Same(copy, s->Last) && s->Torn++ == 0)
            {
                s->FirstTornVersion = copy.Version;
                s->FirstTornWas = s->Last.SystemTime;
                s->FirstTornNow = copy.SystemTime;
            }
            if (now < s->Previous)
            {
                s->Backward++;
                s->WorstBackward = s->Previous - now > s->WorstBackward ? s->Previous - now : s->WorstBackward;
            }
        }
        s->Last = copy;
        s->Previous = now;
        s->Reads++;
    }

    private static bool Same(PvClockTimeInfo a, PvClockTimeInfo b) =>
        a.TscTimestamp == b.TscTimestamp && a.SystemTime == b.SystemTime && a.TscToSystemMul == b.TscToSystemMul &&
        a.TscShift == b.TscShift && a.Flags == b.Flags;

    /// <summary>`RIG torn` per vCPU and pvclock read.</summary>
    private static void Print()
    {
        for (int cpu = 0; cpu < Team.Size && cpu < MaxCpus; cpu++)
        {
            for (int clock = Clocks.KvmClock; clock <= Clocks.XenClock; clock++)
            {
                TornStats* s = Of(cpu, clock);
                if (s->Reads == 0)
                {
                    continue;
                }
                Line line = default;
                line.Text("RIG ");
                line.Text(TornReadsRecord.Kind);
                line.TextField(TornReadsRecord.Clock, Clocks.Name(clock));
                line.Field(TornReadsRecord.Cpu, (ulong)cpu);
                line.Field(TornReadsRecord.Reads, s->Reads);
                line.Field(TornReadsRecord.Updates, s->Updates);
                line.Field(TornReadsRecord.RetriesOdd, s->Retries.Odd);
                line.Field(TornReadsRecord.RetriesChanged, s->Retries.Changed);
                line.Field(TornReadsRecord.Torn, s->Torn);
                line.Field(TornReadsRecord.Back, s->Backward);
                line.Field(TornReadsRecord.WorstBackNs, s->WorstBackward);
                if (s->Torn != 0)
                {
                    line.Field(TornReadsRecord.FirstTornVersion, s->FirstTornVersion);
                    line.Field(TornReadsRecord.FirstTornWas, s->FirstTornWas);
                    line.Field(TornReadsRecord.FirstTornNow, s->FirstTornNow);
                }
                Console.Write(ref line);
            }
        }
    }
}
