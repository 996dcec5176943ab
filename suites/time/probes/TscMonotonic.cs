using Rig.Guest;

/// <summary>
/// time.tsc-monotonic, guest side: every vCPU reads RDTSC and RDTSCP back to back for `ms=` milliseconds; the host
/// judges the `RIG steps` records (suites/time/Oracles/ClockSteps.cs).
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const int Mask = 1 << Clocks.Tsc | 1 << Clocks.Rdtscp;

    private static ulong microseconds;

    public static void Main()
    {
        microseconds = CommandLine.GetNumber("ms", 2000) * 1000;
        Clocks.Setup(Name);
        StepCheck.Allocate(64);
        if (Team.Run(Name, &Work))
        {
            StepCheck.Print(Team.Size, Mask);
        }
    }

    private static void Work(int cpu)
    {
        Clocks.EnableHere();
        Team.Sync(10_000_000);
        StepCheck.Run(Mask, microseconds, null);
        if (!Team.Sync(microseconds + 30_000_000))
        {
            Report.Fail(Name, "vcpu-stalled");
        }
    }
}
