using Rig.Guest;
using Rig.Suites.Apic.Records;

/// <summary>
/// apic.io-apic, guest side: walks the script of suites/apic/Oracles/IoApicRules.cs on one IOAPIC input driven as a
/// level line, one driven as an edge, and (with the host source) three edges raised together. After each step it
/// prints what was delivered during the step's window and the entry's remote IRR bit (82093AA 3.2.4).
/// The source of the lines: the host's `ioapic-set-irq pins=MASK level=0|1` (rig-hv's x-rig-ioapic-set-irq, GSIs
/// 16–19) where the host offers it; otherwise the RTC on GSI 8, whose IRQ output stays asserted from a periodic
/// interrupt (PIE set) until register C is read (MC146818A datasheet, "Register C"; IRQF).
/// The level vector's handler sends no EOI, so the probe decides when the EOI (and the IOAPIC's EOI message,
/// SDM Vol. 3A 12.8.5) happens; the edge vectors' handlers EOI as usual. Each window lasts settle_us= of the vCPU's
/// own run time (RunWatch), so a loaded host cannot shorten it.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private const int LevelVector = 0x58;
    private const int EdgeVector = 0x61;
    private const uint HostLevelPin = 16;
    private const uint HostEdgePin = 17;
    private const uint RtcPin = 8;
    private const byte RtcRegisterA = 0x0A, RtcRegisterB = 0x0B, RtcRegisterC = 0x0C;

    private static ulong settleUs;
    private static bool hostSource;
    private static uint levelPin;

    // Level deliveries since the probe's last EOI; a second one means remote IRR did not hold the line (storm guard).
    private static ulong sinceEoi;
    private static ulong stormMasked;

    public static void Main()
    {
        settleUs = CommandLine.GetNumber("settle_us", 20_000);
        // Xen PVH has no IOAPIC and no RTC: nothing decodes 0xFEC00000 there, so it is not even probed.
        if (!Runtime.LegacyPc)
        {
            Report.Skip(Name, "pvh-has-no-ioapic");
            return;
        }
        if (!LocalApic.Enable() || !IoApicPin.Present())
        {
            Report.Skip(Name, "no-ioapic");
            return;
        }
        LocalApic.Write(LocalApic.RegTpr, 0);
        Events.Register(LevelVector, &TakeLevel, endOfInterrupt: false);
        for (int v = EdgeVector; v < EdgeVector + 3; v++)
        {
            Events.Register(v, &Take);
        }

        hostSource = HostDrive(1u << (int)HostLevelPin, false);
        if (!hostSource && Cmos.Read(RtcRegisterA) == 0xFF)
        {
            Report.Skip(Name, "no-level-source");
            return;
        }
        levelPin = hostSource ? HostLevelPin : RtcPin;
        uint edgePin = hostSource ? HostEdgePin : RtcPin;
        if (!hostSource)
        {
            RtcDrive(false);
        }
        Line source = default;
        source.Text("RIG ioapic-source");
        source.TextField("source", hostSource ? "host" : "rtc");
        source.Field("level_pin", levelPin);
        source.Field("edge_pin", edgePin);
        Console.Write(ref source);

        ulong mark = Events.Count(LevelVector);
        IoApicPin.Route(levelPin, LevelVector, IoApicPin.LevelTriggered);
        Drive(1u << (int)levelPin, true);
        Step("level-assert", levelPin, LevelVector, ref mark);
        Step("level-held", levelPin, LevelVector, ref mark);
        EndOfLevelInterrupt();
        Step("eoi-redelivers", levelPin, LevelVector, ref mark);
        IoApicPin.Route(levelPin, LevelVector, IoApicPin.LevelTriggered | IoApicPin.Masked);
        EndOfLevelInterrupt();
        Step("masked-eoi", levelPin, LevelVector, ref mark);
        IoApicPin.Route(levelPin, LevelVector, IoApicPin.LevelTriggered);
        Step("unmask-redelivers", levelPin, LevelVector, ref mark);
        Drive(1u << (int)levelPin, false);
        EndOfLevelInterrupt();
        Step("deasserted-eoi", levelPin, LevelVector, ref mark);
        IoApicPin.Mask(levelPin);

        mark = Events.Count(EdgeVector);
        IoApicPin.Route(edgePin, EdgeVector);
        Drive(1u << (int)edgePin, true);
        Step("edge-assert", edgePin, EdgeVector, ref mark);
        Step("edge-held-high", edgePin, EdgeVector, ref mark);
        Drive(1u << (int)edgePin, false);
        IoApicPin.Mask(edgePin);

        if (!hostSource)
        {
            Report.Skip(Name + ".simultaneous-edges", "one-guest-driven-line");
            return;
        }
        SimultaneousEdges();
    }

    /// <summary>Three edge pins raised by one host command: each vector must arrive once (none lost in the merge).</summary>
    private static void SimultaneousEdges()
    {
        ulong* marks = stackalloc ulong[3];
        uint pins = 0;
        for (int i = 0; i < 3; i++)
        {
            uint pin = HostEdgePin + (uint)i;
            IoApicPin.Route(pin, EdgeVector + i);
            marks[i] = Events.Count(EdgeVector + i);
            pins |= 1u << (int)pin;
        }
        Drive(pins, true);
        ulong ran = Window();
        for (int i = 0; i < 3; i++)
        {
            uint pin = HostEdgePin + (uint)i;
            Print("simultaneous-edges", pin, EdgeVector + i, Events.Count(EdgeVector + i) - marks[i], ran);
            IoApicPin.Mask(pin);
        }
        Drive(pins, false);
    }

    private static void Take(EventFrame* frame)
    {
    }

    /// <summary>
    /// A level message arriving while the previous one awaits its EOI breaks remote IRR (82093AA 3.2.4); a target that
    /// does so re-sends without end, so the handler masks the entry and the records say so (storm_masked=1): the
    /// oracle then sees the extra message and every step the mask changed, and the probe lives to print them.
    /// </summary>
    private static void TakeLevel(EventFrame* frame)
    {
        fixed (ulong* n = &sinceEoi)
        {
            if (Atomic.FetchAdd(n, 1) >= 1)
            {
                IoApicPin.Route(levelPin, LevelVector, IoApicPin.LevelTriggered | IoApicPin.Masked);
                stormMasked = 1;
            }
        }
    }

    private static void EndOfLevelInterrupt()
    {
        fixed (ulong* n = &sinceEoi)
        {
            Atomic.Exchange(n, 0);
        }
        LocalApic.EndOfInterrupt();
    }

    /// <summary>Sets the lines of <paramref name="pins"/> to <paramref name="level"/> (the RTC: its one line).</summary>
    private static void Drive(uint pins, bool level)
    {
        if (hostSource)
        {
            HostDrive(pins, level);
        }
        else
        {
            RtcDrive(level);
        }
    }

    /// <summary>Asks the host to drive the lines; false if it refused (no such command on this target).</summary>
    private static bool HostDrive(uint pins, bool level)
    {
        Line request = default;
        request.Text(IoApicLineRequest.Action);
        request.Field(IoApicLineRequest.Pins, pins);
        request.Field(IoApicLineRequest.Level, level ? 1UL : 0UL);
        return Control.Request(ref request, Control.AnswerBoundUs) == Acknowledgement.Ok;
    }

    private static void RtcDrive(bool level)
    {
        byte b = Cmos.Read(RtcRegisterB);
        if (level)
        {
            InterfaceUse.Mark(TargetInterface.Rtc);
            // Divider on (32.768 kHz), rate 6: a periodic flag every 976.5 µs; the first one raises IRQ (IRQF).
            Cmos.Write(RtcRegisterA, 0x26);
            Cmos.Write(RtcRegisterB, (byte)(b | 0x40));
        }
        else
        {
            Cmos.Write(RtcRegisterB, (byte)(b & ~0x40));
            Cmos.Read(RtcRegisterC); // reading C clears IRQF and lowers the line
        }
    }

    private static void Step(string name, uint pin, int vector, ref ulong mark)
    {
        ulong ran = Window();
        ulong now = Events.Count(vector);
        Print(name, pin, vector, now - mark, ran);
        mark = now;
    }

    /// <summary>Waits until the vCPU ran settle_us (at most 50 windows of TSC time, which a record shows by ran_us).</summary>
    private static ulong Window()
    {
        RunWatch watch = default;
        watch.Start(Tsc.Now);
        ulong stop = Tsc.Deadline(settleUs * 50);
        while (watch.RanUs < settleUs && watch.Last < stop)
        {
            watch.Step();
        }
        return watch.RanUs;
    }

    private static void Print(string step, uint pin, int vector, ulong delivered, ulong ran)
    {
        Line line = default;
        line.Text("RIG ioapic");
        line.TextField("step", step);
        line.TextField("source", hostSource ? "host" : "rtc");
        line.Field("pin", pin);
        line.HexField("vector", (ulong)vector);
        line.Field("delivered", delivered);
        line.Field("rirr", (IoApicPin.Entry(pin) & IoApicPin.RemoteIrr) != 0 ? 1UL : 0UL);
        line.Field("ran_us", ran);
        line.Field("storm_masked", stormMasked);
        Console.Write(ref line);
    }
}
