using Rig.Guest;

/// <summary>
/// The APs read every clock back to back (<see cref="StepCheck"/>) while the BSP does the case's host-driven part
/// (pauses, reverts); everyone meets at the end, so the BSP prints the APs' steps after they stopped.
/// </summary>
public static unsafe class Readers
{
    private const int All = (1 << Clocks.Count) - 1;

    private static ulong stop;

    /// <summary>Call from every vCPU's team work; <paramref name="bspWork"/> runs on the BSP only.</summary>
    public static void Run(string caseName, int cpu, delegate*<void> bspWork)
    {
        Clocks.EnableHere();
        Team.Sync(10_000_000);
        fixed (ulong* halt = &stop)
        {
            if (cpu != 0)
            {
                StepCheck.Run(All, 3_600_000_000, halt);
            }
            else
            {
                bspWork();
                Atomic.Exchange(halt, 1);
            }
        }
        if (!Team.Sync(30_000_000))
        {
            Report.Fail(caseName, "vcpu-stalled");
        }
    }

    /// <summary>Starts the team on <paramref name="work"/> and prints every vCPU's steps once all are done.</summary>
    public static void Start(string caseName, delegate*<int, void> work)
    {
        StepCheck.Allocate(64);
        if (Team.Run(caseName, work))
        {
            StepCheck.Print(Team.Size, All);
        }
    }
}
