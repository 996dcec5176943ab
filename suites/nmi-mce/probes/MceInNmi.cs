using Rig.Guest;

/// <summary>
/// nmi-mce.mce-in-nmi, guest side. vCPU 0 works at CPL3 with machine-check reporting on; vCPU 1 opens vCPU 0's held
/// NMI handler with an NMI IPI, then, while it is held, sends one more NMI IPI (latched: NMIs are blocked) and asks
/// the host for a #MC on vCPU 0 (COM2 `mce`). The #MC handler runs on its own IST stack inside the NMI handler, logs
/// itself and returns with IRET, which ends NMI blocking, so the latched NMI now nests. Once the #MC and then the nested
/// NMI were logged (or a bound passed), and `window_us=` later, vCPU 1 releases the NMI handler. The trace goes to COM1; the host's oracle judges it.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    /// <summary>How long vCPU 1 waits for an event it caused to reach vCPU 0, which a loaded host may leave descheduled for a while.</summary>
    private const ulong ArrivalBoundUs = 5_000_000;

    /// <summary>
    /// How long the NMI handler stays held after the #MC arrived, for the latched NMI to nest: the release never races
    /// the #MC's IRET (on a loaded host vCPU 0 took the #MC only after the release was set, and its NMI handler's IRET
    /// followed within 30 instructions, before the NMI window was seen: docs/notes/stability.md item 3).
    /// </summary>
    private const ulong NestedBoundUs = 2_000_000;

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
        HeldEvents.Hold(Victim.Cpu, 2, 4 * windowUs + 2 * ArrivalBoundUs + NestedBoundUs + 3_000_000);
        HeldEvents.LogOnly(Victim.Cpu, MachineCheck.Vector);
        EventTrace.Add(EventTrace.Round, 0, 0);
        ulong logged = HeldEvents.Count(Victim.Cpu);
        EventTrace.NmiIpi(Victim.ApicId);
        if (HeldEvents.WaitBeyond(Victim.Cpu, logged, ArrivalBoundUs))
        {
            HeldEvents.LogOnly(Victim.Cpu, 2);
            EventTrace.NmiIpi(Victim.ApicId);
            Tsc.Wait(windowUs);
            ulong beforeMachineCheck = HeldEvents.Count(Victim.Cpu);
            if (EventTrace.HostRequest(MachineCheck.Request, MachineCheck.Vector) == Acknowledgement.Ok
                && HeldEvents.WaitBeyond(Victim.Cpu, beforeMachineCheck, ArrivalBoundUs))
            {
                HeldEvents.WaitBeyond(Victim.Cpu, beforeMachineCheck + 1, NestedBoundUs);
            }
            Tsc.Wait(windowUs);
        }
        EventTrace.ReleaseHeld();
        Tsc.Wait(windowUs);
        HeldEvents.Normal(Victim.Cpu, 2);
        HeldEvents.Normal(Victim.Cpu, MachineCheck.Vector);
        Victim.Finish();
    }
}
