using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Irq;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>The I/O APIC (82093AA datasheet; EOI interplay SDM Vol. 3A 12.8.5).</summary>
public sealed class IoApicTests
{
    private const ulong Level = 1 << 15;
    private const ulong Masked = 1 << 16;
    private const ulong RemoteIrr = 1 << 14;

    [Fact]
    public void Version_register_reports_version_20h_and_24_entries_and_all_pins_start_masked()
    {
        using var m = new IrqTestMachine();
        var ioapic = new IoApic(m.Bus, DefectSet.None, id: 2);
        Assert.Equal(0x0017_0020u, ReadIndex(ioapic, 1));
        Assert.Equal(0x0200_0000u, ReadIndex(ioapic, 0));
        for (int pin = 0; pin < IoApic.Pins; pin++)
        {
            Assert.Equal(Masked, ioapic.RedirectionEntry(pin));
        }
    }

    [Fact]
    public void Reset_masks_every_entry_a_previous_boot_programmed()
    {
        using var m = new IrqTestMachine();
        m.Lapics.ForEach(SoftwareEnable);
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 2, 0xD1);

        ioapic.Reset();
        ioapic.SetIrq(2, true);

        Assert.Equal(Masked, ioapic.RedirectionEntry(2));
        Assert.False(InIrr(m.Bsp, 0xD1));
    }

    [Fact]
    public void Edge_pin_sends_one_fixed_interrupt_per_rising_edge()
    {
        using var m = new IrqTestMachine(cpus: 2);
        m.Lapics.ForEach(SoftwareEnable);
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 2, 0x30 | (1UL << 56));

        ioapic.SetIrq(2, true);
        Assert.True(InIrr(m.Lapics[1], 0x30));
        Assert.False(InIrr(m.Bsp, 0x30));
        Assert.True(m.Lapics[1].TryAcknowledge(out _));

        ioapic.SetIrq(2, true); // no edge: still high
        Assert.False(InIrr(m.Lapics[1], 0x30));
        ioapic.SetIrq(2, false);
        ioapic.SetIrq(2, true);
        Assert.True(InIrr(m.Lapics[1], 0x30));
    }

    [Fact]
    public void Masked_pin_delivers_nothing()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 4, 0x31 | Masked);
        ioapic.SetIrq(4, true);
        Assert.False(m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void Level_pin_sets_remote_IRR_until_EOI_and_redelivers_while_still_asserted()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 10, 0x32 | Level);

        ioapic.SetIrq(10, true);
        Assert.True(m.Bsp.TryAcknowledge(out byte vector));
        Assert.Equal(0x32, vector);
        Assert.Equal(RemoteIrr, ioapic.RedirectionEntry(10) & RemoteIrr);
        Assert.True(IsSet(m.Bsp, 0x180, 0x32)); // TMR

        ioapic.SetIrq(10, true);
        Assert.False(InIrr(m.Bsp, 0x32)); // remote IRR holds it back

        Write(m.Bsp, Eoi, 0); // the device has not deasserted yet: delivered again
        Assert.True(InIrr(m.Bsp, 0x32));
        Assert.True(m.Bsp.TryAcknowledge(out _));

        ioapic.SetIrq(10, false);
        Write(m.Bsp, Eoi, 0);
        Assert.Equal(0UL, ioapic.RedirectionEntry(10) & RemoteIrr);
        Assert.False(InIrr(m.Bsp, 0x32));
    }

    [Fact]
    public void With_ioapic_level_no_redeliver_a_still_asserted_level_pin_stays_silent_after_EOI()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        var defects = new DefectSet();
        defects.Enable(DefectCatalog.IoApicLevelNoRedeliver);
        var ioapic = new IoApic(m.Bus, defects, 0);
        Program(ioapic, 10, 0x32 | Level);

        ioapic.SetIrq(10, true);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.Equal(0UL, ioapic.RedirectionEntry(10) & RemoteIrr);
        Assert.False(InIrr(m.Bsp, 0x32));
    }

    [Fact]
    public void With_EOI_broadcast_suppressed_remote_IRR_holds_until_the_EOI_register_names_the_vector()
    {
        using var m = new IrqTestMachine();
        Write(m.Bsp, Svr, 0x11FF); // software-enabled, EOI-broadcast suppression (SDM 12.8.5)
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 10, 0x32 | Level);
        Program(ioapic, 11, 0x43 | Level);
        foreach (int pin in new[] { 10, 11 })
        {
            ioapic.SetIrq(pin, true);
            Assert.True(m.Bsp.TryAcknowledge(out _));
            Write(m.Bsp, Eoi, 0); // the LAPIC retires the vector but tells the IOAPIC nothing
        }

        Assert.Equal(RemoteIrr, ioapic.RedirectionEntry(10) & RemoteIrr);
        Assert.False(InIrr(m.Bsp, 0x32));
        Assert.False(InIsr(m.Bsp, 0x32));

        ioapic.Write(0x40, 4, 0x32); // the guest's directed EOI: only vector 0x32's entry, still asserted, so sent again
        Assert.True(InIrr(m.Bsp, 0x32));
        Assert.Equal(RemoteIrr, ioapic.RedirectionEntry(10) & RemoteIrr);
        Assert.Equal(RemoteIrr, ioapic.RedirectionEntry(11) & RemoteIrr);
        Assert.False(InIrr(m.Bsp, 0x43));

        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        ioapic.SetIrq(10, false);
        ioapic.Write(0x40, 4, 0x32); // deasserted: remote IRR cleared, nothing sent
        Assert.Equal(0UL, ioapic.RedirectionEntry(10) & RemoteIrr);
        Assert.False(InIrr(m.Bsp, 0x32));
        Assert.Equal(0UL, ioapic.Read(0x40, 4)); // write-only
    }

    [Fact]
    public void With_directed_eoi_broadcasts_the_LAPIC_EOI_clears_remote_IRR_and_resends_before_the_EOI_register()
    {
        var defects = new DefectSet();
        defects.Enable(DefectCatalog.DirectedEoiBroadcasts);
        using var m = new IrqTestMachine(defects: defects);
        Write(m.Bsp, Svr, 0x11FF);
        var ioapic = new IoApic(m.Bus, defects, 0);
        Program(ioapic, 10, 0x32 | Level);

        ioapic.SetIrq(10, true);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.True(InIrr(m.Bsp, 0x32));
    }

    [Fact]
    public void Unmasking_an_asserted_level_pin_delivers_it()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 11, 0x33 | Level | Masked);
        ioapic.SetIrq(11, true);
        Assert.False(InIrr(m.Bsp, 0x33));
        Program(ioapic, 11, 0x33 | Level);
        Assert.True(InIrr(m.Bsp, 0x33));
    }

    [Fact]
    public void NMI_delivery_mode_becomes_an_NMI()
    {
        using var m = new IrqTestMachine();
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 5, 0x400);
        ioapic.SetIrq(5, true);
        Assert.True(m.Bsp.TakeNmi());
    }

    [Fact]
    public void Logical_destination_uses_the_LAPICs_LDR()
    {
        using var m = new IrqTestMachine(cpus: 2);
        m.Lapics.ForEach(SoftwareEnable);
        Write(m.Bsp, 0xD0, 0x0100_0000);
        Write(m.Lapics[1], 0xD0, 0x0200_0000);
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 6, 0x34 | (1 << 11) | (2UL << 56));
        ioapic.SetIrq(6, true);
        Assert.False(InIrr(m.Bsp, 0x34));
        Assert.True(InIrr(m.Lapics[1], 0x34));
    }

    [Fact]
    public void Read_only_bits_and_bad_indices_are_ignored()
    {
        using var m = new IrqTestMachine();
        var ioapic = new IoApic(m.Bus, DefectSet.None, 0);
        Program(ioapic, 1, 0x35 | RemoteIrr | (1 << 12) | Level);
        Assert.Equal(0x35 | Level, ioapic.RedirectionEntry(1));
        ioapic.Write(0, 4, 0x99);
        ioapic.Write(0x10, 4, 0x1234);
        Assert.Equal(0u, (uint)ioapic.Read(0x10, 4));
        ioapic.SetIrq(400, true);
        ioapic.SetIrq(-1, true);
    }

    private static uint ReadIndex(IoApic ioapic, uint index)
    {
        ioapic.Write(0x00, 4, index);
        return (uint)ioapic.Read(0x10, 4);
    }

    private static void Program(IoApic ioapic, int pin, ulong entry)
    {
        ioapic.Write(0x00, 4, (uint)(0x10 + (2 * pin) + 1));
        ioapic.Write(0x10, 4, (uint)(entry >> 32));
        ioapic.Write(0x00, 4, (uint)(0x10 + (2 * pin)));
        ioapic.Write(0x10, 4, (uint)entry);
    }
}
