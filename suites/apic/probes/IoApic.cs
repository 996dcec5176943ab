using Rig.Guest;
using Rig.Suites.Apic.Records;

/// <summary>
/// apic.io-apic, guest side: walks the script of suites/apic/Oracles/IoApicRules.cs on one IOAPIC input driven as a
/// level line, one driven as an edge, and edges on several pins at once; where the target offers directed EOI (LAPIC
/// version bit 24 and an IOAPIC of version 20H or later, SDM Vol. 3A 12.8.5) the level line again with the EOI broadcast
/// suppressed (SVR bit 12), ended through the IOAPIC's EOI register. After each step it prints what was delivered
/// during the step's window and the entry's remote IRR bit (82093AA 3.2.4).
/// The script runs once per source of lines the target has:
/// - host: the host's `ioapic-set-irq pins=MASK level=0|1` (rig-hv's x-rig-ioapic-set-irq, GSIs 16–19);
/// - hpet: three HPET timers in level mode, each routed to a pin of its own (runtime HpetLines, IA-PC HPET 1.0a);
/// - rtc, only where neither answers: the RTC on GSI 8, whose IRQ output stays asserted from a periodic interrupt
///   (PIE set) until register C is read (MC146818A datasheet, "Register C"; IRQF); its simultaneous edges are the
///   RTC's and the PIT's held together by the TPR.
/// The level vector's handler sends no EOI, so the probe decides when the EOI (and the IOAPIC's EOI message,
/// SDM Vol. 3A 12.8.5) happens; the edge vectors' handlers EOI as usual. A level message re-delivered before its
/// handler could run is masked by the stub (LevelStormGuard, guard_trips=), one that came after by the handler
/// (storm_masked=1), so a target that breaks remote IRR is shown, not crashed. Each window lasts settle_us= of the vCPU's
/// own run time (RunWatch), so a loaded host cannot shorten it.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private const int LevelVector = 0x58;
    private const int EdgeVector = 0x61;
    private const int TogetherPins = 3;
    private const uint HostLevelPin = 16;
    private const uint HostEdgePin = 17;
    private const uint RtcPin = 8;
    private const uint PitPin = 2; // ISA IRQ0 by the MADT's interrupt source override, on every PC target
    private const byte RtcRegisterA = 0x0A, RtcRegisterB = 0x0B, RtcRegisterC = 0x0C;
    private const uint VersionSuppressEoiBroadcast = 1u << 24; // LAPIC version register (SDM Vol. 3A 12.8.5)
    private const uint SvrSuppressEoiBroadcast = 1u << 12;
    private const uint FirstIoApicVersionWithEoiRegister = 0x20;

    private enum Source
    {
        Host,
        Hpet,
        Rtc,
    }

    private static ulong settleUs;
    private static Source source;
    private static uint levelPin;
    private static bool directedEoi;

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
        for (int v = EdgeVector; v < EdgeVector + TogetherPins; v++)
        {
            Events.Register(v, &Take);
        }

        // Directed EOI (SDM Vol. 3A 12.8.5) exists only where the LAPIC offers EOI-broadcast suppression (version bit 24)
        // and the IOAPIC an EOI register (version 20H on); the record says which, and a missing half is a skip naming
        // it (a failure where rig.json says the target offers directed-eoi).
        bool suppression = (LocalApic.Read(LocalApic.RegVersion) & VersionSuppressEoiBroadcast) != 0;
        uint version = IoApicPin.Version();
        Line eoi = default;
        eoi.Text("RIG ioapic-eoi");
        eoi.Field("suppress_eoi_broadcast", suppression ? 1UL : 0UL);
        eoi.HexField("ioapic_version", version);
        Console.Write(ref eoi);
        directedEoi = suppression && version >= FirstIoApicVersionWithEoiRegister;
        if (!suppression)
        {
            Report.Skip(Name + ".directed-eoi", AbsenceReason.NoEoiBroadcastSuppression);
        }
        else if (!directedEoi)
        {
            Report.Skip(Name + ".directed-eoi", AbsenceReason.NoIoApicEoiRegister);
        }

        bool host = HostDrive(1u << (int)HostLevelPin, false);
        bool hpet = HpetLines.Prepare(TogetherPins, out string hpetAbsent);
        if (host)
        {
            Walk(Source.Host, hpetAbsent);
        }
        if (hpet)
        {
            Walk(Source.Hpet, hpetAbsent);
            HpetLines.Stop();
        }
        if (host || hpet)
        {
            return;
        }
        if (Cmos.Read(RtcRegisterA) == 0xFF)
        {
            Report.Skip(Name, "no-level-source");
            return;
        }
        RtcDrive(false);
        Walk(Source.Rtc, hpetAbsent);
    }

    /// <summary>The script on one source's lines; the HPET's absence (empty: present) goes into the evidence.</summary>
    private static void Walk(Source lines, string hpetAbsent)
    {
        source = lines;
        stormMasked = 0;
        levelPin = Pin(0);
        uint edgePin = Pin(1);
        Line header = default;
        header.Text("RIG ioapic-source");
        header.TextField("source", SourceName);
        header.Field("level_pin", levelPin);
        header.Field("edge_pin", edgePin);
        header.TextField("hpet", hpetAbsent.Length == 0 ? "present" : hpetAbsent);
        Console.Write(ref header);

        ulong mark = Events.Count(LevelVector);
        LevelStormGuard.Arm(LevelVector, levelPin);
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
        LevelStormGuard.Disarm();
        if (directedEoi)
        {
            DirectedEoi();
        }

        mark = Events.Count(EdgeVector);
        IoApicPin.Route(edgePin, EdgeVector);
        Drive(1u << (int)edgePin, true);
        Step("edge-assert", edgePin, EdgeVector, ref mark);
        Step("edge-held-high", edgePin, EdgeVector, ref mark);
        Drive(1u << (int)edgePin, false);
        IoApicPin.Mask(edgePin);

        if (lines == Source.Rtc)
        {
            HeldEdges();
        }
        else
        {
            SimultaneousEdges();
        }
    }

    /// <summary>
    /// The level line with the LAPIC's EOI broadcast suppressed (SVR bit 12, SDM Vol. 3A 12.8.5): the LAPIC EOI leaves
    /// remote IRR set and the line silent; the vector written to the IOAPIC's EOI register clears it and, the line still
    /// asserted, brings the next message. The SVR as read back after the write goes into the record first.
    /// </summary>
    private static void DirectedEoi()
    {
        uint svr = LocalApic.Read(LocalApic.RegSvr);
        LocalApic.Write(LocalApic.RegSvr, svr | SvrSuppressEoiBroadcast);
        Line header = default;
        header.Text("RIG ioapic-directed");
        header.TextField("source", SourceName);
        header.HexField("svr", LocalApic.Read(LocalApic.RegSvr));
        Console.Write(ref header);

        ulong mark = Events.Count(LevelVector);
        LevelStormGuard.Arm(LevelVector, levelPin);
        IoApicPin.Route(levelPin, LevelVector, IoApicPin.LevelTriggered);
        Drive(1u << (int)levelPin, true);
        Step("directed-assert", levelPin, LevelVector, ref mark);
        EndOfLevelInterrupt();
        Step("directed-lapic-eoi", levelPin, LevelVector, ref mark);
        IoApicPin.EndOfInterrupt(LevelVector);
        Step("directed-ioapic-eoi", levelPin, LevelVector, ref mark);
        EndOfLevelInterrupt();
        Drive(1u << (int)levelPin, false);
        IoApicPin.EndOfInterrupt(LevelVector);
        Step("directed-deasserted-eoi", levelPin, LevelVector, ref mark);
        IoApicPin.Mask(levelPin);
        LevelStormGuard.Disarm();
        // A target that sent the line again after the last EOI (one that broadcasts despite bit 12) left the vector in
        // service and remote IRR set: end both, or the next source's level-assert would find its vector held (SDM 12.8.3.1).
        bool pending;
        fixed (ulong* n = &sinceEoi)
        {
            pending = Atomic.Load(n) != 0;
        }
        if (pending)
        {
            EndOfLevelInterrupt();
            IoApicPin.EndOfInterrupt(LevelVector);
        }
        LocalApic.Write(LocalApic.RegSvr, svr & ~SvrSuppressEoiBroadcast);
    }

    /// <summary>Line <paramref name="line"/>'s pin: the host's from 16 up, the HPET timer's own route, the RTC's one pin.</summary>
    private static uint Pin(int line) => source switch
    {
        Source.Host => HostLevelPin + (uint)line,
        Source.Hpet => HpetLines.Pin(line),
        _ => RtcPin,
    };

    private static string SourceName => source switch
    {
        Source.Host => "host",
        Source.Hpet => "hpet",
        _ => "rtc",
    };

    /// <summary>Three edge pins raised together: each vector must arrive once (none lost in the merge).</summary>
    private static void SimultaneousEdges()
    {
        ulong* marks = stackalloc ulong[TogetherPins];
        uint* pins = stackalloc uint[TogetherPins];
        uint mask = 0;
        for (int i = 0; i < TogetherPins; i++)
        {
            pins[i] = source == Source.Host ? HostEdgePin + (uint)i : HpetLines.Pin(i);
            IoApicPin.Route(pins[i], EdgeVector + i);
            marks[i] = Events.Count(EdgeVector + i);
            mask |= 1u << (int)pins[i];
        }
        Drive(mask, true);
        ulong ran = Window();
        for (int i = 0; i < TogetherPins; i++)
        {
            Print("simultaneous-edges", pins[i], EdgeVector + i, Events.Count(EdgeVector + i) - marks[i], ran);
            IoApicPin.Mask(pins[i]);
        }
        Drive(mask, false);
    }

    /// <summary>
    /// The RTC's one line cannot be raised together with others, so its edge and the PIT's (channel 0 in mode 0: OUT
    /// rises at terminal count and stays high, 8254 datasheet) are made to arrive together: the TPR at 15 holds every
    /// vector in IRR (SDM Vol. 3A 12.8.3.1) until both lines are up, then both are pending at once and each vector must
    /// still arrive exactly once.
    /// </summary>
    private static void HeldEdges()
    {
        ulong rtcMark = Events.Count(EdgeVector), pitMark = Events.Count(EdgeVector + 1);
        LocalApic.Write(LocalApic.RegTpr, 0xF0);
        IoApicPin.Route(RtcPin, EdgeVector);
        IoApicPin.Route(PitPin, EdgeVector + 1);
        RtcDrive(true);
        ulong count = Pit.Frequency / 1000; // 1 ms, well inside the window below
        Ports.Out8(0x43, 0x30); // channel 0, lobyte/hibyte, mode 0 (interrupt on terminal count), binary
        Ports.Out8(0x40, (byte)count);
        Ports.Out8(0x40, (byte)(count >> 8));
        InterfaceUse.Mark(TargetInterface.Pit);
        Window();
        // PIE off, register C unread: the RTC's line stays up but raises no more (QEMU's IOAPIC would take every
        // further raise as another edge, the finding edge-held-high already reports).
        Cmos.Write(RtcRegisterB, (byte)(Cmos.Read(RtcRegisterB) & ~0x40));
        LocalApic.Write(LocalApic.RegTpr, 0);
        ulong ran = Window();
        Print("simultaneous-edges", RtcPin, EdgeVector, Events.Count(EdgeVector) - rtcMark, ran);
        Print("simultaneous-edges", PitPin, EdgeVector + 1, Events.Count(EdgeVector + 1) - pitMark, ran);
        IoApicPin.Mask(RtcPin);
        IoApicPin.Mask(PitPin);
        RtcDrive(false);
        Ports.Out8(0x43, 0x30); // mode 0 without a count: OUT stays low
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

    /// <summary>Sets the lines on the pins of <paramref name="pins"/> to <paramref name="level"/> (the RTC: its one line).</summary>
    private static void Drive(uint pins, bool level)
    {
        switch (source)
        {
            case Source.Host:
                HostDrive(pins, level);
                break;
            case Source.Hpet:
                HpetDrive(pins, level);
                break;
            default:
                RtcDrive(level);
                break;
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

    /// <summary>The HPET timers whose pins are in <paramref name="pins"/>; a line that never asserted is said so (the step then fails on its count).</summary>
    private static void HpetDrive(uint pins, bool level)
    {
        uint timers = 0;
        for (int n = 0; n < TogetherPins; n++)
        {
            if ((pins & (1u << (int)HpetLines.Pin(n))) != 0)
            {
                timers |= 1u << n;
            }
        }
        if (!level)
        {
            HpetLines.Lower(timers);
            return;
        }
        if (!HpetLines.Raise(timers))
        {
            Line failed = default;
            failed.Text("RIG ioapic-source");
            failed.TextField("source", SourceName);
            failed.HexField("unasserted_timers", timers);
            Console.Write(ref failed);
        }
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
        line.TextField("source", SourceName);
        line.Field("pin", pin);
        line.HexField("vector", (ulong)vector);
        line.Field("delivered", delivered);
        line.Field("rirr", (IoApicPin.Entry(pin) & IoApicPin.RemoteIrr) != 0 ? 1UL : 0UL);
        line.Field("ran_us", ran);
        line.Field("storm_masked", stormMasked);
        line.Field("guard_trips", LevelStormGuard.Trips);
        Console.Write(ref line);
    }
}
