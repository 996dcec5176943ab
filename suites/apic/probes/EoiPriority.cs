using Rig.Guest;

/// <summary>
/// apic.eoi-priority, guest side: walks the script of suites/apic/Oracles/PriorityRules.cs with self-IPIs,
/// EOIs and TPR writes, and after each step prints what was delivered and what PPR, ISR and IRR hold.
/// Vectors 0x50 and 0x61 are taken without EOI (they stay in service); 0x51 and 0x65 EOI in their handler.
/// Each step waits a fixed window, long enough for a late delivery on a slow target (settle_us=).
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong* delivered; // [0] count, [1..8] vectors in arrival order
    private static ulong settleUs;

    public static void Main()
    {
        settleUs = CommandLine.GetNumber("settle_us", 20_000);
        delivered = (ulong*)Heap.Allocate(16 * 8);
        LocalApic.Enable();
        LocalApic.Write(LocalApic.RegTpr, 0);
        Events.Register(0x50, &Keep, endOfInterrupt: false);
        Events.Register(0x61, &Keep, endOfInterrupt: false);
        Events.Register(0x51, &Keep, endOfInterrupt: true);
        Events.Register(0x65, &Keep, endOfInterrupt: true);

        Step("first", 0x50, eoi: false, tpr: -1);
        Step("same-class-held", 0x51, eoi: false, tpr: -1);
        Step("higher-class-preempts", 0x61, eoi: false, tpr: -1);
        Step("eoi-highest", 0, eoi: true, tpr: -1);
        Step("eoi-releases", 0, eoi: true, tpr: -1);
        Step("tpr-holds", 0x65, eoi: false, tpr: 0x70);
        Step("tpr-releases", 0, eoi: false, tpr: 0);
    }

    private static void Keep(EventFrame* frame)
    {
        ulong n = Atomic.FetchAdd(&delivered[0], 1);
        if (n < 8)
        {
            delivered[1 + n] = frame->Vector & 0xFF;
        }
    }

    private static void Step(string name, int selfIpi, bool eoi, int tpr)
    {
        Atomic.Exchange(&delivered[0], 0);
        if (tpr >= 0)
        {
            LocalApic.Write(LocalApic.RegTpr, (uint)tpr);
        }
        if (eoi)
        {
            LocalApic.EndOfInterrupt();
        }
        if (selfIpi != 0)
        {
            LocalApic.SendSelfIpi(selfIpi);
        }
        Tsc.Wait(settleUs);
        Line line = default;
        line.Text("RIG prio");
        line.TextField("step", name);
        line.Text(" delivered=");
        ulong count = Atomic.Load(&delivered[0]);
        if (count == 0)
        {
            line.Text("none");
        }
        for (ulong i = 0; i < count && i < 8; i++)
        {
            if (i > 0)
            {
                line.Byte((byte)'+');
            }
            line.Hex(delivered[1 + i]);
        }
        line.HexField("ppr", LocalApic.Read(LocalApic.RegPpr));
        LocalApic.VectorField(ref line, "isr", LocalApic.RegIsr);
        LocalApic.VectorField(ref line, "irr", LocalApic.RegIrr);
        Console.Write(ref line);
    }
}
