using Rig.Guest;

/// <summary>
/// nmi-mce.nmi-unblocked-by-fault-iret, guest side. vCPU 0 works at CPL3; vCPU 1 plays `rounds=` rounds against it: an
/// NMI IPI opens vCPU 0's held NMI handler (NMI blocking on); a second NMI IPI is latched; after `window_us=` vCPU 1
/// asks the held handler to take a fault at CPL0 (#UD, #GP, #PF in turn), which the CPL0 fault entry returns from
/// with IRET; that IRET ends NMI blocking, so the latched NMI nests in the NMI handler. After another window the
/// handler is released. The merged trace goes to COM1; the host's oracle judges it.
/// </summary>
public static unsafe class Probe
{
    public const string Name = "nmi-unblocked-by-fault-iret";

    private static ulong rounds;
    private static ulong windowUs;

    public static void Main()
    {
        rounds = CommandLine.GetNumber("rounds", 3);
        windowUs = CommandLine.GetNumber("window_us", 20_000);
        Victim.Run(Name, &Script);
    }

    /// <summary>#UD, #GP, #PF (SDM Vol. 3A table 6-1), one per round in turn.</summary>
    private static ulong FaultOfRound(ulong round) => (round % 3) switch { 0 => 6, 1 => 13, _ => 14 };

    private static void Script(int cpu)
    {
        for (ulong r = 0; r < rounds; r++)
        {
            HeldEvents.Hold(Victim.Cpu, 2, 4 * windowUs + 3_000_000);
            EventTrace.Add(EventTrace.Round, 0, 0);
            ulong logged = HeldEvents.Count(Victim.Cpu);
            EventTrace.NmiIpi(Victim.ApicId);
            if (HeldEvents.WaitBeyond(Victim.Cpu, logged, 1_000_000))
            {
                EventTrace.NmiIpi(Victim.ApicId);
                Tsc.Wait(windowUs);
                logged = HeldEvents.Count(Victim.Cpu);
                HeldEvents.RequestFault(Victim.Cpu, FaultOfRound(r));
                HeldEvents.WaitBeyond(Victim.Cpu, logged, 1_000_000);
                Tsc.Wait(windowUs);
            }
            HeldEvents.LogOnly(Victim.Cpu, 2);
            EventTrace.ReleaseHeld();
            Tsc.Wait(windowUs);
        }
        HeldEvents.Normal(Victim.Cpu, 2);
        Victim.Finish();
    }
}
