using Rig.Guest;

/// <summary>
/// time.pvclock-monotonic, guest side: for kvmclock and the Xen pvclock, whichever the target has, every vCPU first
/// reads its own record back to back, then all take turns under one lock (cross-vCPU order, which the stable bit
/// promises); `ms=` milliseconds per clock, half each. The host judges `RIG steps` and `RIG warp`.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong microseconds;

    public static void Main()
    {
        microseconds = CommandLine.GetNumber("ms", 2000) * 1000;
        Clocks.Setup(Name);
        StepCheck.Allocate(64);
        WarpCheck.Allocate();
        if (Team.Run(Name, &Work))
        {
            StepCheck.Print(Team.Size, 1 << Clocks.KvmClock | 1 << Clocks.XenClock);
        }
    }

    private static void Work(int cpu)
    {
        Clocks.EnableHere();
        for (int clock = Clocks.KvmClock; clock <= Clocks.XenClock; clock++)
        {
            if (!Clocks.Has(clock))
            {
                continue;
            }
            Team.Sync(10_000_000);
            StepCheck.Run(1 << clock, microseconds / 2, null);
            Team.Sync(microseconds + 30_000_000);
            if (cpu == 0)
            {
                WarpCheck.Reset(clock);
            }
            Team.Sync(10_000_000);
            WarpCheck.Run(clock, microseconds / 2);
            if (!Team.Sync(microseconds + 30_000_000))
            {
                Report.Fail(Name, "vcpu-stalled");
            }
            if (cpu == 0)
            {
                WarpCheck.Print(clock, Team.Size);
            }
        }
    }
}
