using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>What one vCPU saw of one clock read back to back.</summary>
public struct StepStats
{
    public ulong Reads;
    public ulong Backward;
    public ulong WorstBackward;
    public ulong FirstBackPrevious;
    public ulong FirstBackNow;
    public ulong MaxForward;
    public ulong SpanCycles;

    /// <summary>Pvclock steps set against their TSC's step (<see cref="QpcCheck"/>); 0 where the check does not do that.</summary>
    public ulong ExcessChecks;

    /// <summary>The most a pvclock step exceeded its TSC's step, in ns.</summary>
    public ulong MaxExcess;

    /// <summary>
    /// Steps back across a record update where neither record set PVCLOCK_TSC_STABLE_BIT, kept apart from
    /// <see cref="Backward"/>: without that bit a vCPU's record follows the physical CPU it runs on, and the guest must
    /// keep its own clock monotonic (xen/arch/x86/time.c collect_time_info; Linux pvclock_clocksource_read's last_value).
    /// </summary>
    public ulong BackUnpromised;

    public ulong WorstBackUnpromised;

    /// <summary>
    /// Counts one reading <paramref name="now"/> after <paramref name="prev"/>, each with the pvclock record it came from
    /// (all zeros for the TSC, which no update can excuse); true when it did not go back.
    /// </summary>
    public bool Step(ulong prev, ulong now, in PvClockTimeInfo before, in PvClockTimeInfo after)
    {
        if (now >= prev)
        {
            MaxForward = now - prev > MaxForward ? now - prev : MaxForward;
            return true;
        }
        if (before.Version != after.Version && ((before.Flags | after.Flags) & PvClock.TscStableFlag) == 0)
        {
            BackUnpromised++;
            WorstBackUnpromised = prev - now > WorstBackUnpromised ? prev - now : WorstBackUnpromised;
            return false;
        }
        if (Backward++ == 0)
        {
            FirstBackPrevious = prev;
            FirstBackNow = now;
        }
        WorstBackward = prev - now > WorstBackward ? prev - now : WorstBackward;
        return false;
    }
}

/// <summary>
/// Reads clocks back to back on this vCPU for a while, each against its own previous reading: a clock may never step
/// back (SDM Vol. 3B 18.17 for the TSC; public/xen.h vcpu_time_info for pvclocks, monotonic per vCPU while their records
/// promise PVCLOCK_TSC_STABLE_BIT, see <see cref="StepStats.BackUnpromised"/>), and the largest
/// forward step is kept, since seed 000 shows as one step of years. Counts are bounded by time, not reads.
/// </summary>
public static unsafe class StepCheck
{
    private const int Batch = 256;

    /// <summary>Per-vCPU, per-clock results, for the BSP to print once everyone is done.</summary>
    public static StepStats* Results;

    public static void Allocate(int cpus) => Results = (StepStats*)Heap.Allocate((ulong)(cpus * Clocks.Count * sizeof(StepStats)));

    public static StepStats* Of(int cpu, int clock) => Results + cpu * Clocks.Count + clock;

    /// <summary>
    /// Reads every available clock in <paramref name="mask"/> (bit = clock) in turn until <paramref name="microseconds"/>
    /// have passed or <paramref name="stop"/> (if given) becomes non-zero; results accumulate in this vCPU's slots.
    /// </summary>
    public static void Run(int mask, ulong microseconds, ulong* stop)
    {
        int cpu = Cpu.Index;
        ulong* previous = stackalloc ulong[Clocks.Count];
        // Bytes, not PvClockTimeInfo[]: a struct array's size is a checked multiply whose overflow helper the probe runtime lacks.
        byte* records = stackalloc byte[Clocks.Count * sizeof(PvClockTimeInfo)];
        PvClockTimeInfo* previousRecord = (PvClockTimeInfo*)records;
        for (int c = 0; c < Clocks.Count; c++)
        {
            if (Wanted(mask, c))
            {
                previous[c] = Clocks.Read(c, out _, out previousRecord[c]);
            }
        }
        ulong start = Tsc.Now;
        ulong end = start + Tsc.Cycles(microseconds);
        while (true)
        {
            for (int c = 0; c < Clocks.Count; c++)
            {
                if (!Wanted(mask, c))
                {
                    continue;
                }
                StepStats* s = Of(cpu, c);
                ulong prev = previous[c];
                PvClockTimeInfo before = previousRecord[c];
                for (int k = 0; k < Batch; k++)
                {
                    ulong now = Clocks.Read(c, out _, out PvClockTimeInfo after);
                    s->Step(prev, now, before, after);
                    prev = now;
                    before = after;
                }
                previous[c] = prev;
                previousRecord[c] = before;
                s->Reads += Batch;
            }
            ulong t = Tsc.Now;
            if (t >= end || (stop != null && Atomic.Load(stop) != 0))
            {
                for (int c = 0; c < Clocks.Count; c++)
                {
                    Of(cpu, c)->SpanCycles += t - start;
                }
                return;
            }
        }
    }

    /// <summary>`RIG steps` per vCPU and clock read, for the host's oracle (suites/time/Oracles/ClockSteps.cs).</summary>
    public static void Print(int cpus, int mask)
    {
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            for (int c = 0; c < Clocks.Count; c++)
            {
                StepStats* s = Of(cpu, c);
                if (!Wanted(mask, c) || s->Reads == 0)
                {
                    continue;
                }
                ulong worstBack = Clocks.Nanoseconds(c, s->WorstBackward);
                ulong maxForward = Clocks.Nanoseconds(c, s->MaxForward);
                ulong span = Tsc.Nanoseconds(s->SpanCycles);
                // Every number once more as their wrapping sum: a UART that drops bytes (QEMU's under TCG dropped the last
                // two digits of a span here) leaves a record that still parses, and only the sum tells it from a true one.
                ulong sum = (ulong)cpu + s->Reads + s->Backward + worstBack + maxForward + span;
                Line line = default;
                line.Text("RIG ");
                line.Text(StepsRecord.Kind);
                line.TextField(StepsRecord.Clock, Clocks.Name(c));
                line.Field(StepsRecord.Cpu, (ulong)cpu);
                line.Field(StepsRecord.Reads, s->Reads);
                line.Field(StepsRecord.Back, s->Backward);
                line.Field(StepsRecord.WorstBackNs, worstBack);
                line.Field(StepsRecord.MaxForwardNs, maxForward);
                line.Field(StepsRecord.SpanNs, span);
                if (s->Backward != 0)
                {
                    line.Field(StepsRecord.FirstBackPrevious, s->FirstBackPrevious);
                    line.Field(StepsRecord.FirstBackNow, s->FirstBackNow);
                    sum += s->FirstBackPrevious + s->FirstBackNow;
                }
                if (s->ExcessChecks != 0)
                {
                    line.Field(StepsRecord.MaxExcessNs, s->MaxExcess);
                    sum += s->MaxExcess;
                }
                if (s->BackUnpromised != 0)
                {
                    line.Field(StepsRecord.BackUnpromised, s->BackUnpromised);
                    line.Field(StepsRecord.WorstBackUnpromisedNs, s->WorstBackUnpromised);
                    sum += s->BackUnpromised + s->WorstBackUnpromised;
                }
                line.Field(StepsRecord.Sum, sum);
                Console.Write(ref line);
            }
        }
    }

    public static bool Wanted(int mask, int clock) => (mask & (1 << clock)) != 0 && Clocks.Has(clock);
}
