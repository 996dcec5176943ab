namespace Rig.Guest;

/// <summary>
/// One IOAPIC input routed to this vCPU, for clocks that arrive through the IOAPIC (the PIT on GSI 2, the HPET in legacy
/// replacement mode on GSI 2 too). Redirection entry: fixed delivery, physical destination this vCPU, edge, active high
/// (82093AA IOAPIC data sheet, 3.2.4). The IOAPIC sits at 0xFEC00000 on every target, as the MADT says.
/// </summary>
public static class IoApicPin
{
    private const ulong IoApicBase = 0xFEC0_0000;
    private const ulong EoiRegister = 0x40;

    /// <summary>An IOAPIC answers at 0xFEC00000 (unbacked MMIO reads back all ones).</summary>
    public static bool Present()
    {
        Mmio.Write32(IoApicBase, 1);
        if (Mmio.Read32(IoApicBase + 0x10) == 0xFFFF_FFFF)
        {
            return false;
        }
        InterfaceUse.Mark(TargetInterface.Ioapic);
        return true;
    }

    /// <summary>Redirection entry bits (82093AA 3.2.4): trigger mode (1 = level), remote IRR (read-only), mask.</summary>
    public const uint LevelTriggered = 1u << 15;
    public const uint RemoteIrr = 1u << 14;
    public const uint Masked = 1u << 16;

    public static void Route(uint gsi, int vector) => Route(gsi, vector, 0);

    /// <summary>As <see cref="Route(uint, int)"/> with <see cref="LevelTriggered"/> and/or <see cref="Masked"/> in <paramref name="flags"/>.</summary>
    public static void Route(uint gsi, int vector, uint flags)
    {
        Write(0x11 + 2 * gsi, LocalApic.Id << 24);
        Write(0x10 + 2 * gsi, (uint)vector | flags);
    }

    public static void Mask(uint gsi) => Write(0x10 + 2 * gsi, 1u << 16);

    /// <summary>Redirection entries the IOAPIC has: IOAPICVER bits 23:16 hold the highest index (82093AA 3.2.2).</summary>
    public static uint Entries() => (Read(1) >> 16 & 0xFF) + 1;

    /// <summary>IOAPICVER bits 7:0: 11H is the 82093AA; 20H and later have the EOI register directed EOI needs (SDM Vol. 3A 12.8.5).</summary>
    public static uint Version() => Read(1) & 0xFF;

    /// <summary>
    /// Directed EOI for <paramref name="vector"/>: the IOAPIC's EOI register (+0x40, version 20H on) clears remote IRR of
    /// the level-triggered entries with that vector, what the LAPIC's EOI broadcast does when not suppressed
    /// (SDM Vol. 3A 12.8.5; Linux arch/x86/kernel/apic/io_apic.c, __eoi_ioapic_pin).
    /// </summary>
    public static void EndOfInterrupt(int vector)
    {
        Mmio.Write32(IoApicBase + EoiRegister, (uint)vector);
        InterfaceUse.Mark(TargetInterface.DirectedEoi);
    }

    /// <summary>The low half of redirection entry <paramref name="gsi"/>: vector, delivery, mask in bit 16 (82093AA 3.2.4).</summary>
    public static uint Entry(uint gsi) => Read(0x10 + 2 * gsi);

    private static uint Read(uint index)
    {
        Mmio.Write32(IoApicBase, index);
        return Mmio.Read32(IoApicBase + 0x10);
    }

    private static void Write(uint index, uint value)
    {
        Mmio.Write32(IoApicBase, index);
        Mmio.Write32(IoApicBase + 0x10, value);
    }
}
