using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>
/// Ordered reads across vCPUs, as Linux's check_tsc_warp(): under one lock each vCPU reads the clock and compares it
/// with the last value any vCPU read under that lock. The lock orders the reads, so a later read that is smaller is a
/// warp. A TSC that is invariant (SDM Vol. 3B 18.17.1) and a pvclock with PVCLOCK_TSC_STABLE_BIT must show none.
/// </summary>
public static unsafe class WarpCheck
{
    private struct Shared
    {
        public ulong Lock;
        public ulong Last;
        public ulong Reads;
        public ulong Warps;
        public ulong MaxWarp;
        public ulong Stable;
    }

    private static Shared* state;

    public static void Allocate() => state = (Shared*)Heap.Allocate((ulong)sizeof(Shared));

    /// <summary>Call on the BSP before the vCPUs start on <paramref name="clock"/>.</summary>
    public static void Reset(int clock)
    {
        state->Lock = 0;
        state->Last = 0;
        state->Reads = 0;
        state->Warps = 0;
        state->MaxWarp = 0;
        state->Stable = Clocks.Stable(clock) ? 1UL : 0UL;
    }

    /// <summary>Every participating vCPU calls this for the same time; the counts are shared.</summary>
    public static void Run(int clock, ulong microseconds)
    {
        ulong end = Tsc.Deadline(microseconds);
        ulong reads = 0;
        while (Tsc.Now < end)
        {
            for (int k = 0; k < 64; k++)
            {
                SpinLock.Acquire(&state->Lock);
                ulong previous = state->Last;
                ulong now = Clocks.Read(clock);
                state->Last = now;
                if (now < previous)
                {
                    state->Warps++;
                    if (previous - now > state->MaxWarp)
                    {
                        state->MaxWarp = previous - now;
                    }
                }
                SpinLock.Release(&state->Lock);
            }
            reads += 64;
        }
        Atomic.FetchAdd(&state->Reads, reads);
    }

    /// <summary>`RIG warp` for the host's oracle; call on the BSP once every vCPU is done.</summary>
    public static void Print(int clock, int cpus)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(WarpRecord.Kind);
        line.TextField(WarpRecord.Clock, Clocks.Name(clock));
        line.Field(WarpRecord.Cpus, (ulong)cpus);
        line.Field(WarpRecord.Reads, Atomic.Load(&state->Reads));
        line.Field(WarpRecord.Warps, state->Warps);
        line.Field(WarpRecord.MaxWarpNs, Clocks.Nanoseconds(clock, state->MaxWarp));
        line.Field(WarpRecord.Stable, state->Stable);
        if (clock == Clocks.KvmClock || clock == Clocks.XenClock)
        {
            line.Field(WarpRecord.RecordSpreadNs, Clocks.RecordSpread(clock, cpus));
        }
        Console.Write(ref line);
    }
}
