namespace Rig.Guest;

/// <summary>
/// What the legacy timer and interrupt controllers held when this boot began, read before the runtime programs either:
/// it masks both 8259As here, and its first TSC-based wait may calibrate the TSC on the 8254's channel 0 (Pit). A
/// probe that judges the state a reset left reads these, never the live devices. On a target without them (Xen PVH)
/// every port reads 0xFF.
/// </summary>
public static class PlatformAtBoot
{
    /// <summary>8254 read-back command: status only (COUNT# = 1, STATUS# = 0) of counters 0, 1 and 2 (8254 data sheet).</summary>
    private const byte ReadBackStatusAll = 0xEE;

    /// <summary>OCW3 (8259A data sheet): the next read of the command port returns IRR (0x0A) or ISR (0x0B).</summary>
    private const byte ReadIrr = 0x0A;
    private const byte ReadIsr = 0x0B;

    /// <summary>Each 8254 counter's status byte: OUTPUT (7), NULL COUNT (6), read/write access (5:4), mode (3:1), BCD (0).</summary>
    public static byte PitStatus0 { get; private set; }

    public static byte PitStatus1 { get; private set; }

    public static byte PitStatus2 { get; private set; }

    public static byte MasterImr { get; private set; }

    public static byte MasterIrr { get; private set; }

    public static byte MasterIsr { get; private set; }

    public static byte SlaveImr { get; private set; }

    public static byte SlaveIrr { get; private set; }

    public static byte SlaveIsr { get; private set; }

    /// <summary>
    /// Whether both 8259As took the runtime's mask as OCW1. One still inside an initialization sequence (ICW1 written,
    /// ICW2-4 awaited) takes the write as its next ICW instead, and its mask does not read back.
    /// </summary>
    public static bool PicTookMask { get; private set; }

    /// <summary>
    /// Reads the 8254's statuses and both 8259As, then masks both 8259As: the runtime uses the LAPIC only, and an
    /// unprogrammed 8259A would deliver IRQ0 on a CPU exception vector.
    /// </summary>
    internal static void CaptureThenMaskPics()
    {
        Ports.Out8(0x43, ReadBackStatusAll);
        PitStatus0 = Ports.In8(0x40);
        PitStatus1 = Ports.In8(0x41);
        PitStatus2 = Ports.In8(0x42);
        MasterImr = Ports.In8(0x21);
        SlaveImr = Ports.In8(0xA1);
        Ports.Out8(0x20, ReadIsr);
        MasterIsr = Ports.In8(0x20);
        Ports.Out8(0xA0, ReadIsr);
        SlaveIsr = Ports.In8(0xA0);
        Ports.Out8(0x20, ReadIrr);
        MasterIrr = Ports.In8(0x20);
        Ports.Out8(0xA0, ReadIrr);
        SlaveIrr = Ports.In8(0xA0);
        Ports.Out8(0x21, 0xFF);
        Ports.Out8(0xA1, 0xFF);
        PicTookMask = Ports.In8(0x21) == 0xFF && Ports.In8(0xA1) == 0xFF;
    }
}
