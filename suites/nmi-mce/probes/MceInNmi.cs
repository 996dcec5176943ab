using Rig.Guest;

/// <summary>
/// nmi-mce.mce-in-nmi, guest side. vCPU 0 works at CPL3 with machine-check reporting on; vCPU 1 opens vCPU 0's held
/// NMI handler with an NMI IPI, then, while it is held, sends one more NMI IPI (latched: NMIs are blocked) and asks
/// the host for a #MC on vCPU 0 (COM2 `mce`). The #MC handler runs on its own IST stack inside the NMI handler, logs
/// itself and returns with IRET, which ends NMI blocking, so the latched NMI now nests. After `window_us=` vCPU 1
/// releases the NMI handler. The trace goes to COM1; the host's oracle judges it.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong windowUs;

    public static void Main()
    {
        windowUs = CommandLine.GetNumber("window_us", 50_000);
        if (!MachineCheck.EnableReporting())
        {
            Report.Skip(Name, "no-machine-check-msrs");
            return;
        }
        Victim.Run(Name, &Script);
    }

    private static void Script(int cpu)
    {
        HeldEvents.Hold(Victim.Cpu, 2, 4 * windowUs + 3_000_000);
        HeldEvents.LogOnly(Victim.Cpu, MachineCheck.Vector);
        EventTrace.Add(EventTrace.Round, 0, 0);
        ulong logged = HeldEvents.Count(Victim.Cpu);
        EventTrace.NmiIpi(Victim.ApicId);
        if (HeldEvents.WaitBeyond(Victim.Cpu, logged, 1_000_000))
        {
            HeldEvents.LogOnly(Victim.Cpu, 2);
            EventTrace.NmiIpi(Victim.ApicId);
            Tsc.Wait(windowUs);
            EventTrace.HostRequest(MachineCheck.Request, MachineCheck.Vector);
            Tsc.Wait(windowUs);
        }
        EventTrace.ReleaseHeld();
        Tsc.Wait(windowUs);
        HeldEvents.Normal(Victim.Cpu, 2);
        HeldEvents.Normal(Victim.Cpu, MachineCheck.Vector);
        Victim.Finish();
    }
}
