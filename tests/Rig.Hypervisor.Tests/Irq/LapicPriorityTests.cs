using Rig.Hypervisor.Defects;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>IRR/ISR, TPR/PPR and EOI (SDM Vol. 3A 12.8.3.1, 12.8.4, 12.8.5).</summary>
public sealed class LapicPriorityTests
{
    [Fact]
    public void Same_class_vector_waits_for_the_EOI_of_the_one_in_service()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        SendFixed(m.Bsp, 0, 0x51);
        Assert.True(m.Bsp.TryAcknowledge(out byte first));
        Assert.Equal(0x51, first);
        Assert.Equal(0x50u, Read(m.Bsp, Ppr));

        SendFixed(m.Bsp, 0, 0x5F);
        Assert.True(InIrr(m.Bsp, 0x5F));
        Assert.False(m.Bsp.HasDeliverableInterrupt);
        Assert.False(m.Bsp.TryAcknowledge(out _));

        Write(m.Bsp, Eoi, 0);
        Assert.True(m.Bsp.TryAcknowledge(out byte second));
        Assert.Equal(0x5F, second);
    }

    [Fact]
    public void Lower_class_vector_waits_too()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        SendFixed(m.Bsp, 0, 0x61);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        SendFixed(m.Bsp, 0, 0x41);
        Assert.False(m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void Higher_class_vector_preempts_the_one_in_service()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        SendFixed(m.Bsp, 0, 0x51);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        SendFixed(m.Bsp, 0, 0x61);
        Assert.True(m.Bsp.TryAcknowledge(out byte nested));
        Assert.Equal(0x61, nested);
        Assert.Equal(0x60u, Read(m.Bsp, Ppr));
    }

    [Fact]
    public void EOI_retires_the_highest_vector_in_service()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        SendFixed(m.Bsp, 0, 0x51);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        SendFixed(m.Bsp, 0, 0x61);
        Assert.True(m.Bsp.TryAcknowledge(out _));

        Write(m.Bsp, Eoi, 0);

        Assert.False(InIsr(m.Bsp, 0x61));
        Assert.True(InIsr(m.Bsp, 0x51));
        Assert.Equal(0x50u, Read(m.Bsp, Ppr));
    }

    [Theory]
    [InlineData(0x55, false)]
    [InlineData(0x5F, false)]
    [InlineData(0x60, true)]
    public void TPR_blocks_vectors_of_its_class_and_below(byte vector, bool deliverable)
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, Tpr, 0x53);
        Assert.Equal(0x53u, Read(m.Bsp, Ppr));
        SendFixed(m.Bsp, 0, vector);
        Assert.Equal(deliverable, m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void PPR_is_TPR_when_TPR_class_is_at_least_the_in_service_class()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        SendFixed(m.Bsp, 0, 0x51);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Tpr, 0x57);
        Assert.Equal(0x57u, Read(m.Bsp, Ppr));
        Write(m.Bsp, Tpr, 0x47);
        Assert.Equal(0x50u, Read(m.Bsp, Ppr));
    }

    [Fact]
    public void CR8_is_TPR_bits_7_to_4()
    {
        using var m = new IrqTestMachine();
        m.Bsp.Cr8 = 0xA;
        Assert.Equal(0xA0u, Read(m.Bsp, Tpr));
        Write(m.Bsp, Tpr, 0x3C);
        Assert.Equal(3UL, m.Bsp.Cr8);
    }

    [Fact]
    public void Software_disabled_APIC_accepts_no_fixed_interrupts_and_keeps_LVTs_masked()
    {
        using var m = new IrqTestMachine();
        SendFixed(m.Bsp, 0, 0x40);
        Assert.False(InIrr(m.Bsp, 0x40));

        Write(m.Bsp, LvtLint0, 0x40);
        Assert.Equal(0x1_0040u, Read(m.Bsp, LvtLint0));

        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtLint0, 0x40);
        Assert.Equal(0x40u, Read(m.Bsp, LvtLint0));
        Write(m.Bsp, Svr, 0xFF);
        Assert.Equal(0x1_0040u, Read(m.Bsp, LvtLint0));
    }

    [Fact]
    public void EOI_of_a_level_triggered_vector_is_broadcast_unless_SVR_bit_12_suppresses_it()
    {
        using var m = new IrqTestMachine();
        var eois = new List<byte>();
        m.Bus.AddEoiListener(eois.Add);
        SoftwareEnable(m.Bsp);

        // Level-triggered fixed self IPI: TMR records the trigger mode (SDM 12.8.4).
        Write(m.Bsp, IcrLow, 0x0004_C070);
        Assert.True(IsSet(m.Bsp, 0x180, 0x70));
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.Equal([0x70], eois);

        // Suppression is advertised (version bit 24), so SVR bit 12 is writable and the EOI stays local (SDM 12.8.5).
        Assert.Equal(1u, Read(m.Bsp, 0x30) >> 24 & 1);
        Write(m.Bsp, Svr, 0x11FF);
        Assert.Equal(0x11FFu, Read(m.Bsp, Svr));
        Write(m.Bsp, IcrLow, 0x0004_C070);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.Equal([0x70], eois);
        Assert.False(InIsr(m.Bsp, 0x70));

        Write(m.Bsp, Svr, 0x1FF);
        Write(m.Bsp, IcrLow, 0x0004_C070);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.Equal([0x70, 0x70], eois);
    }

    [Fact]
    public void With_directed_eoi_broadcasts_SVR_bit_12_reads_back_but_the_EOI_is_broadcast_anyway()
    {
        var defects = new DefectSet();
        defects.Enable(DefectCatalog.DirectedEoiBroadcasts);
        using var m = new IrqTestMachine(defects: defects);
        var eois = new List<byte>();
        m.Bus.AddEoiListener(eois.Add);
        Write(m.Bsp, Svr, 0x11FF);
        Assert.Equal(0x11FFu, Read(m.Bsp, Svr));

        Write(m.Bsp, IcrLow, 0x0004_C070);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.Equal([0x70], eois);
    }

    [Fact]
    public void EOI_of_an_edge_triggered_vector_is_not_broadcast()
    {
        using var m = new IrqTestMachine();
        var eois = new List<byte>();
        m.Bus.AddEoiListener(eois.Add);
        SoftwareEnable(m.Bsp);
        SendFixed(m.Bsp, 0, 0x70);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.Empty(eois);
    }

    [Fact]
    public void ESR_shows_errors_only_after_a_write_and_the_next_write_clears_them()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        SendFixed(m.Bsp, 0, 0x0E);
        Assert.Equal(0u, Read(m.Bsp, Esr));
        Write(m.Bsp, Esr, 0);
        Assert.Equal(0x20u, Read(m.Bsp, Esr)); // send illegal vector
        Write(m.Bsp, Esr, 0);
        Assert.Equal(0u, Read(m.Bsp, Esr));
    }

    [Fact]
    public void Locally_generated_illegal_vector_sets_receive_illegal_vector_and_the_error_interrupt()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtError, 0xE3);
        Write(m.Bsp, Divide, 0xB);
        Write(m.Bsp, LvtTimer, 0x0A);
        Write(m.Bsp, InitialCount, 10);
        m.AdvanceAndRunTimers(10);

        Assert.False(InIrr(m.Bsp, 0x0A));
        Assert.True(InIrr(m.Bsp, 0xE3));
        Write(m.Bsp, Esr, 0);
        Assert.Equal(0x40u, Read(m.Bsp, Esr));
    }

    [Fact]
    public void Reserved_xAPIC_offset_sets_illegal_register_address()
    {
        using var m = new IrqTestMachine();
        Assert.Equal(0UL, m.Bsp.ReadMmio(0x3A0, 4));
        Write(m.Bsp, Esr, 0);
        Assert.Equal(0x80u, Read(m.Bsp, Esr));
    }

    [Fact]
    public void Unaligned_and_narrow_MMIO_writes_do_not_reach_registers()
    {
        using var m = new IrqTestMachine();
        m.Bsp.WriteMmio(0x81, 1, 0x50);
        m.Bsp.WriteMmio(0x80, 2, 0x50);
        Assert.Equal(0u, Read(m.Bsp, Tpr));
        Assert.Equal(0xFFUL, m.Bsp.ReadMmio(0xF0, 1));
        Assert.Equal(0UL, m.Bsp.ReadMmio(0xF4, 4));
    }
}
