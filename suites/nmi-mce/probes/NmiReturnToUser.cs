using Rig.Guest;

/// <summary>
/// nmi-mce.nmi-return-to-user, guest side. vCPU 0 works at CPL3; each of `rounds=` rounds vCPU 1 sends it an NMI IPI
/// (logged at CPL0, returned from at once with IRET to the CPL3 code it interrupted), waits until it was delivered
/// and `settle_us=` more, then sends a second NMI IPI and watches `window_us=` for its delivery. The trace goes to
/// COM1; the host's oracle judges it.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong rounds;
    private static ulong settleUs;
    private static ulong windowUs;

    public static void Main()
    {
        rounds = CommandLine.GetNumber("rounds", 3);
        settleUs = CommandLine.GetNumber("settle_us", 2_000);
        windowUs = CommandLine.GetNumber("window_us", 1_000_000);
        Victim.Run(Name, &Script);
    }

    private static void Script(int cpu)
    {
        HeldEvents.LogOnly(Victim.Cpu, 2);
        for (ulong r = 0; r < rounds; r++)
        {
            EventTrace.Add(EventTrace.Round, 0, 0);
            for (int i = 0; i < 2; i++)
            {
                ulong logged = HeldEvents.Count(Victim.Cpu);
                EventTrace.NmiIpi(Victim.ApicId);
                HeldEvents.WaitBeyond(Victim.Cpu, logged, windowUs);
                Tsc.Wait(settleUs);
            }
        }
        HeldEvents.Normal(Victim.Cpu, 2);
        Victim.Finish();
    }
}
