using Rig.Guest;

/// <summary>
/// The script of fake-nmi and fake-mce (seed 004 items 3 and 4), played by vCPU 1 for `rounds=` rounds: vCPU 0 executes
/// INT <see cref="vector"/> at CPL3, which enters its held handler like the real event but without NMI blocking or
/// MCIP; once the handler has logged its entry, vCPU 1 sends the real event (an NMI IPI, or the host's #MC on vCPU 0),
/// which must nest at once; once it has arrived (or <see cref="DeliveryBoundUs"/> passed), and `window_us=` more, the
/// handler is released. Where the target drops INT n the handler is
/// never entered, and the real event shows what a delivered one looks like.
/// </summary>
public static unsafe class FakeEvent
{
    /// <summary>
    /// How long the round waits for the real event before it releases the fake handler. A target delivers it at the
    /// vCPU's next entry, which on a loaded host can come long after the send (a #MC's acknowledgement comes from the
    /// host before the injection): a fixed window let the real event land after the release, or, a #MC, in the next
    /// round's held handler with MCIP set, and then the next #MC shut the VM down (the reference's rare triple fault,
    /// docs/notes/nmi-mce.md). Only a target that holds the real event back until the fake handler's IRET waits it out.
    /// </summary>
    private const ulong DeliveryBoundUs = 5_000_000;

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
            HeldEvents.Hold(Victim.Cpu, (int)vector, DeliveryBoundUs + 4 * windowUs + 3_000_000);
            EventTrace.Add(EventTrace.Round, 0, 0);
            ulong logged = HeldEvents.Count(Victim.Cpu);
            Victim.RequestInterrupt(vector);
            bool entered = HeldEvents.WaitBeyond(Victim.Cpu, logged, 1_000_000);
            HeldEvents.LogOnly(Victim.Cpu, (int)vector);
            ulong beforeReal = HeldEvents.Count(Victim.Cpu);
            SendReal();
            HeldEvents.WaitBeyond(Victim.Cpu, beforeReal, DeliveryBoundUs);
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
