using Rig.Guest;
using Rig.Suites.NmiMce.Records;

/// <summary>
/// nmi-mce.double-mce, guest side. Boot 1: vCPU 0 works at CPL3 with machine-check reporting on; vCPU 1 asks the host
/// for a #MC on vCPU 0, which its held #MC handler keeps (MCG_STATUS.MCIP stays set), then asks for a second one and
/// waits `window_us=`: the processor must shut down (a reset on QEMU, the end of the VM on rig-hv), so reaching the
/// end of that wait and printing the trace is the failure. Boot 2 (after a reset) says so and exits.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong windowUs;

    public static void Main()
    {
        if (Runtime.BootNumber > 1)
        {
            Line line = default;
            line.Text("RIG ");
            line.Text(AfterShutdownRecord.Kind);
            line.Field(AfterShutdownRecord.Boot, (ulong)Runtime.BootNumber);
            Console.Write(ref line);
            return;
        }
        windowUs = CommandLine.GetNumber("window_us", 1_000_000);
        if (!MachineCheck.EnableReporting())
        {
            Report.Skip(Name, "no-machine-check-msrs");
            return;
        }
        Victim.Run(Name, &Script);
    }

    private static void Script(int cpu)
    {
        HeldEvents.Hold(Victim.Cpu, MachineCheck.Vector, 2 * windowUs + 5_000_000);
        EventTrace.Add(EventTrace.Round, 0, 0);
        ulong logged = HeldEvents.Count(Victim.Cpu);
        EventTrace.HostRequest(MachineCheck.Request, MachineCheck.Vector);
        if (HeldEvents.WaitBeyond(Victim.Cpu, logged, 1_000_000))
        {
            EventTrace.HostRequest(MachineCheck.Request, MachineCheck.Vector);
            Tsc.Wait(windowUs);
        }
        EventTrace.ReleaseHeld();
        HeldEvents.Normal(Victim.Cpu, MachineCheck.Vector);
        Victim.Finish();
    }
}
