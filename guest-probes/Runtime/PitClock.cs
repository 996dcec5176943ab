namespace Rig.Guest;

/// <summary>
/// The 8254 PIT's channel 0 as a periodic clock (mode 2, rate generator, 1.193182 MHz input; 8254 data
/// sheet) routed through the IOAPIC: ISA IRQ0 arrives on GSI 2 by the MADT's interrupt source override on
/// every PC-compatible target (QEMU and rig-hv alike).
/// </summary>
public static unsafe class PitClock
{
    private const uint Gsi = 2;

    public static bool Start(int vector, ulong periodUs)
    {
        ulong count = Pit.Frequency * periodUs / 1_000_000;
        if (count < 2 || count > 0xFFFF || !IoApicPin.Present())
        {
            return false;
        }
        IoApicPin.Route(Gsi, vector);
        Ports.Out8(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2, binary
        Ports.Out8(0x40, (byte)count);
        Ports.Out8(0x40, (byte)(count >> 8));
        InterfaceUse.Mark(TargetInterface.Pit);
        return true;
    }

    public static void Stop()
    {
        IoApicPin.Mask(Gsi);
        Ports.Out8(0x43, 0x30); // mode 0 without a count: the output stays low, no more edges
    }
}
