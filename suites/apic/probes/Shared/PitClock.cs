using Rig.Guest;

/// <summary>
/// The 8254 PIT's channel 0 as a periodic clock (mode 2, rate generator, 1.193182 MHz input; 8254 data
/// sheet) routed through the IOAPIC: ISA IRQ0 arrives on GSI 2 by the MADT's interrupt source override on
/// every PC-compatible target (QEMU and rig-hv alike). Redirection entry: fixed delivery, physical
/// destination this vCPU, edge, active high (82093AA IOAPIC data sheet, 3.2.4).
/// </summary>
public static unsafe class PitClock
{
    private const ulong IoApicBase = 0xFEC0_0000;
    private const uint Gsi = 2;
    private const ulong PitHz = 1_193_182;

    public static bool Start(int vector, ulong periodUs)
    {
        ulong count = PitHz * periodUs / 1_000_000;
        if (count < 2 || count > 0xFFFF || IoApicVersion() == 0xFFFF_FFFF)
        {
            return false;
        }
        WriteIoApic(0x11 + 2 * Gsi, LocalApic.Id << 24);
        WriteIoApic(0x10 + 2 * Gsi, (uint)vector);
        Ports.Out8(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2, binary
        Ports.Out8(0x40, (byte)count);
        Ports.Out8(0x40, (byte)(count >> 8));
        return true;
    }

    public static void Stop()
    {
        WriteIoApic(0x10 + 2 * Gsi, 1u << 16);
        Ports.Out8(0x43, 0x30); // mode 0 without a count: the output stays low, no more edges
    }

    private static uint IoApicVersion()
    {
        *(uint*)IoApicBase = 1;
        return *(uint*)(IoApicBase + 0x10);
    }

    private static void WriteIoApic(uint index, uint value)
    {
        *(uint*)IoApicBase = index;
        *(uint*)(IoApicBase + 0x10) = value;
    }
}
