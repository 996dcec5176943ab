using Rig.Guest;

/// <summary>
/// The script of fake-nmi and fake-mce (seed 004 items 3 and 4), played by vCPU 1 for `rounds=` rounds: vCPU 0 executes
/// INT <see cref="vector"/> at CPL3, which enters its held handler like the real event but without NMI blocking or
/// MCIP; once the handler has logged its entry, vCPU 1 sends the real event (an NMI IPI, or the host's #MC on vCPU 0),
/// which must nest at once; after `window_us=` the handler is released. Where the target drops INT n the handler is
/// never entered, and the real event shows what a delivered one looks like.
/// </summary>
public static unsafe class FakeEvent
{
    private static ulong vector;
    private static ulong rounds;
    private static ulong windowUs;

    public static void Run(string probe, ulong fakedVector)
    {
        vector = fakedVector;
        rounds = CommandLine.GetNumber("rounds", 3);
        windowUs = CommandLine.GetNumber("window_us", 20_000);
        Victim.Run(probe, &Script);
    }

    private static void Script(int cpu)
    {
        for (ulong r = 0; r < rounds; r++)
        {
            HeldEvents.Hold(Victim.Cpu, (int)vector, 4 * windowUs + 3_000_000);
            EventTrace.Add(EventTrace.Round, 0, 0);
            ulong logged = HeldEvents.Count(Victim.Cpu);
            Victim.RequestInterrupt(vector);
            bool entered = HeldEvents.WaitBeyond(Victim.Cpu, logged, 1_000_000);
            HeldEvents.LogOnly(Victim.Cpu, (int)vector);
            SendReal();
            Tsc.Wait(windowUs);
            if (entered)
            {
                EventTrace.ReleaseHeld();
            }
            Victim.InterruptReturned(2_000_000);
            Tsc.Wait(windowUs);
        }
        HeldEvents.Normal(Victim.Cpu, (int)vector);
        Victim.Finish();
    }

    private static void SendReal()
    {
        if (vector == 2)
        {
            EventTrace.NmiIpi(Victim.ApicId);
        }
        else
        {
            EventTrace.HostRequest(MachineCheck.Request, MachineCheck.Vector);
        }
    }
}
