using Rig.Guest;

/// <summary>
/// nmi-mce.nmi-blocking, guest side. vCPU 0 works at CPL3; vCPU 1 plays `rounds=` rounds against it: an NMI IPI
/// opens vCPU 0's held NMI handler (held at CPL0, NMI blocking on, until released); once the handler has logged its
/// entry, vCPU 1 asks the host for `requests=` NMIs (COM2 `nmi`, the target's inject-nmi) and sends one more NMI IPI,
/// waits `window_us=`, releases the handler (its IRET), and watches `window_us=` for what the latch releases.
/// The merged trace goes to COM1 at the end; the host's oracle judges it.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong rounds;
    private static ulong requests;
    private static ulong windowUs;

    public static void Main()
    {
        rounds = CommandLine.GetNumber("rounds", 3);
        requests = CommandLine.GetNumber("requests", 2);
        windowUs = CommandLine.GetNumber("window_us", 20_000);
        Victim.Run(Name, &Script);
    }

    private static void Script(int cpu)
    {
        for (ulong r = 0; r < rounds; r++)
        {
            // The handler is released by this script; the bound only guards a script that dies, so it outlasts the
            // host's answers to every request, however slow the target (the injections must land inside the hold).
            HeldEvents.Hold(Victim.Cpu, 2, requests * Control.AnswerBoundUs + 4 * windowUs + 2_000_000);
            EventTrace.Add(EventTrace.Round, 0, 0);
            ulong logged = HeldEvents.Count(Victim.Cpu);
            EventTrace.NmiIpi(Victim.ApicId);
            if (HeldEvents.WaitBeyond(Victim.Cpu, logged, 1_000_000))
            {
                for (ulong i = 0; i < requests; i++)
                {
                    EventTrace.HostRequest(HostAction.Nmi, 2);
                }
                EventTrace.NmiIpi(Victim.ApicId);
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
