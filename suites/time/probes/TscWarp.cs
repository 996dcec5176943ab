using Rig.Guest;

/// <summary>
/// time.tsc-warp, guest side: all vCPUs take turns under one lock reading the TSC (RDTSCP, or MFENCE;LFENCE;RDTSC where
/// RDTSCP is not offered: both wait for the lock's earlier instructions, as Linux's rdtsc_ordered) for `ms=`
/// milliseconds; the host judges the `RIG warp` record. A plain RDTSC may run before the lock is taken (SDM Vol. 2B
/// RDTSC) and read a TSC older than the previous holder's: 130-440 ns false warps on the reference, measured.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong microseconds;
    private static int clock;

    public static void Main()
    {
        microseconds = CommandLine.GetNumber("ms", 2000) * 1000;
        Clocks.Setup(Name);
        clock = Clocks.Has(Clocks.Rdtscp) ? Clocks.Rdtscp : Clocks.Tsc;
        WarpCheck.Allocate();
        WarpCheck.Reset(clock);
        if (Team.Run(Name, &Work))
        {
            WarpCheck.Print(clock, Team.Size);
        }
    }

    private static void Work(int cpu)
    {
        Team.Sync(10_000_000);
        WarpCheck.Run(clock, microseconds);
        if (!Team.Sync(microseconds + 30_000_000))
        {
            Report.Fail(Name, "vcpu-stalled");
        }
    }
}
