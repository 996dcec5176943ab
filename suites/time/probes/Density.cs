using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>
/// time.density, guest side (seed 000's scenario): one of many VMs. Every vCPU starts, then the BSP asks the host to
/// open the window (`density-start`, answered once every VM of the case has asked) and says so (`RIG window`); then every
/// vCPU reads every clock as a QPC user would (<see cref="QpcCheck"/>) for `ms=` milliseconds of its TSC, while the host
/// pauses and reverts the VM at random. The BSP prints every vCPU's `RIG steps` once all are done. A revert puts the whole guest back,
/// readings included, so to the readers it is one long step, as a pause is.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const int All = (1 << Clocks.Count) - 1;

    private static ulong microseconds;
    private static ulong open;

    public static void Main()
    {
        microseconds = CommandLine.GetNumber("ms", 30_000) * 1000;
        Clocks.Setup(Name);
        StepCheck.Allocate(64);
        if (Team.Run(Name, &Work) && open != 0)
        {
            StepCheck.Print(Team.Size, All);
        }
    }

    private static void Work(int cpu)
    {
        Clocks.EnableHere();
        Team.Sync(10_000_000);
        fixed (ulong* opened = &open)
        {
            if (cpu == 0 && Host.Ask(Name, DensityStart.Action, "no-density-gate", DensityStart.TimeoutMicroseconds))
            {
                Atomic.Exchange(opened, 1);
                Line line = default;
                line.Text("RIG ");
                line.Text(DensityStart.OpenedKind);
                Console.Write(ref line);
            }
            // The APs wait here while the BSP is at the gate; the host holds the VM stopped meanwhile, so nobody spins.
            if (!Team.Sync(DensityStart.TimeoutMicroseconds + 10_000_000) || Atomic.Load(opened) == 0)
            {
                return;
            }
        }
        QpcCheck.Run(All, microseconds);
        if (!Team.Sync(microseconds + 30_000_000))
        {
            Report.Fail(Name, "vcpu-stalled");
        }
    }
}
