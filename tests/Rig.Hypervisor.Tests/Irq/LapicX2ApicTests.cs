using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>IA32_APIC_BASE transitions and the x2APIC MSR interface (SDM Vol. 3A 12.12.1, 12.12.5).</summary>
public sealed class LapicX2ApicTests
{
    private const uint ApicBase = 0x1B;
    private const ulong XApic = 0xFEE0_0900;
    private const ulong X2Apic = 0xFEE0_0D00;
    private const ulong Disabled = 0xFEE0_0100;

    [Fact]
    public void Entering_x2APIC_mode_exposes_the_32_bit_ID_and_a_derived_LDR()
    {
        using var m = new IrqTestMachine(cpus: 18);
        var lapic = m.Lapics[17];
        Assert.True(lapic.TryWriteMsr(ApicBase, 0xFEE0_0C00));
        Assert.True(lapic.X2ApicMode);
        Assert.True(lapic.TryReadMsr(0x802, out ulong id));
        Assert.Equal(17UL, id);
        Assert.True(lapic.TryReadMsr(0x80D, out ulong ldr));
        Assert.Equal(0x0001_0002UL, ldr); // cluster 1, bit 1 (SDM 12.12.10.2)
    }

    [Fact]
    public void The_xAPIC_page_is_not_decoded_in_x2APIC_mode()
    {
        using var m = new IrqTestMachine();
        Assert.True(m.Bsp.TryWriteMsr(ApicBase, X2Apic));
        Assert.Equal(0xFFFF_FFFFUL, m.Bsp.ReadMmio(0x30, 4));
        m.Bsp.WriteMmio(0x80, 4, 0x50);
        Assert.True(m.Bsp.TryReadMsr(0x808, out ulong tpr));
        Assert.Equal(0UL, tpr);
    }

    [Theory]
    [InlineData(XApic, X2Apic, true)]
    [InlineData(X2Apic, Disabled, true)]
    [InlineData(Disabled, XApic, true)]
    [InlineData(XApic, Disabled, true)]
    [InlineData(X2Apic, XApic, false)]
    [InlineData(Disabled, X2Apic, false)]
    [InlineData(XApic, 0xFEE0_0500UL, false)] // EN=0, EXTD=1
    [InlineData(XApic, 0xFEE0_0901UL, false)] // reserved bit 0
    [InlineData(XApic, 0x0010_0000_FEE0_0900UL, false)] // bit 52: above any physical-address width
    public void APIC_base_transitions_follow_the_state_diagram(ulong from, ulong to, bool legal)
    {
        using var m = new IrqTestMachine();
        if (from == X2Apic)
        {
            Assert.True(m.Bsp.TryWriteMsr(ApicBase, X2Apic));
        }
        else if (from == Disabled)
        {
            Assert.True(m.Bsp.TryWriteMsr(ApicBase, Disabled));
        }

        Assert.Equal(legal, m.Bsp.TryWriteMsr(ApicBase, to));
        Assert.Equal(legal ? to : from, m.Bsp.ApicBaseMsr);
    }

    [Fact]
    public void Passing_through_disabled_resets_the_registers()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, Tpr, 0x30);
        Assert.True(m.Bsp.TryWriteMsr(ApicBase, Disabled));
        Assert.True(m.Bsp.TryWriteMsr(ApicBase, XApic));
        Assert.Equal(0u, Read(m.Bsp, Tpr));
        Assert.Equal(0xFFu, Read(m.Bsp, Svr));
    }

    [Fact]
    public void BSP_flag_cannot_be_changed_by_software()
    {
        using var m = new IrqTestMachine(cpus: 2);
        Assert.True(m.Bsp.TryWriteMsr(ApicBase, 0xFEE0_0800));
        Assert.Equal(XApic, m.Bsp.ApicBaseMsr);
        Assert.True(m.Lapics[1].TryWriteMsr(ApicBase, XApic));
        Assert.Equal(0xFEE0_0800UL, m.Lapics[1].ApicBaseMsr);
    }

    [Fact]
    public void x2APIC_MSRs_raise_GP_outside_x2APIC_mode()
    {
        using var m = new IrqTestMachine();
        Assert.False(m.Bsp.TryReadMsr(0x802, out _));
        Assert.False(m.Bsp.TryWriteMsr(0x808, 0));
    }

    [Theory]
    [InlineData(0x80B)] // EOI is write-only
    [InlineData(0x83F)] // SELF IPI is write-only
    [InlineData(0x809)] // APR does not exist in x2APIC mode
    [InlineData(0x80C)] // RRD
    [InlineData(0x80E)] // DFR
    [InlineData(0x831)] // ICR high half is part of 0x830
    [InlineData(0x8FF)]
    public void Reading_a_register_x2APIC_mode_lacks_raises_GP(uint msr)
    {
        using var m = new IrqTestMachine();
        Assert.True(m.Bsp.TryWriteMsr(ApicBase, X2Apic));
        Assert.False(m.Bsp.TryReadMsr(msr, out _));
    }

    [Theory]
    [InlineData(0x802u, 0UL)] // ID is read-only
    [InlineData(0x803u, 0UL)] // version
    [InlineData(0x80Au, 0UL)] // PPR
    [InlineData(0x80Du, 0UL)] // LDR
    [InlineData(0x810u, 0UL)] // ISR
    [InlineData(0x820u, 0UL)] // IRR
    [InlineData(0x839u, 0UL)] // current count
    [InlineData(0x80Bu, 1UL)] // EOI of a non-zero value
    [InlineData(0x828u, 1UL)] // ESR of a non-zero value
    [InlineData(0x83Fu, 0x100UL)] // SELF IPI beyond the vector
    [InlineData(0x808u, 0x1_0000_0000UL)] // bits above 31 of a 32-bit register
    [InlineData(0x80Eu, 0UL)] // DFR
    public void Illegal_x2APIC_writes_raise_GP(uint msr, ulong value)
    {
        using var m = new IrqTestMachine();
        Assert.True(m.Bsp.TryWriteMsr(ApicBase, X2Apic));
        Assert.False(m.Bsp.TryWriteMsr(msr, value));
    }

    [Fact]
    public void ICR_is_one_64_bit_MSR_with_a_32_bit_destination()
    {
        using var m = new IrqTestMachine(cpus: 2);
        foreach (var lapic in m.Lapics)
        {
            Assert.True(lapic.TryWriteMsr(ApicBase, 0xFEE0_0C00 | (lapic == m.Bsp ? 0x100UL : 0)));
            Assert.True(lapic.TryWriteMsr(0x80F, 0x1FF));
        }

        Assert.True(m.Bsp.TryWriteMsr(0x830, (1UL << 32) | 0x61));
        Assert.True(m.Bsp.TryReadMsr(0x830, out ulong icr));
        Assert.Equal((1UL << 32) | 0x61, icr);
        Assert.True(m.Lapics[1].TryAcknowledge(out byte vector));
        Assert.Equal(0x61, vector);
    }

    [Fact]
    public void SELF_IPI_and_zero_EOI_work_in_x2APIC_mode()
    {
        using var m = new IrqTestMachine();
        Assert.True(m.Bsp.TryWriteMsr(ApicBase, X2Apic));
        Assert.True(m.Bsp.TryWriteMsr(0x80F, 0x1FF));
        Assert.True(m.Bsp.TryWriteMsr(0x83F, 0x62));
        Assert.True(m.Bsp.TryAcknowledge(out byte vector));
        Assert.Equal(0x62, vector);
        Assert.True(m.Bsp.TryWriteMsr(0x80B, 0));
        Assert.True(m.Bsp.TryReadMsr(0x810 + (0x62 / 32), out ulong isr));
        Assert.Equal(0UL, isr);
    }

    [Fact]
    public void x2APIC_logical_destination_uses_the_derived_cluster_and_bit()
    {
        using var m = new IrqTestMachine(cpus: 18);
        foreach (var lapic in m.Lapics)
        {
            Assert.True(lapic.TryWriteMsr(ApicBase, lapic.ApicBaseMsr | 0x400));
            Assert.True(lapic.TryWriteMsr(0x80F, 0x1FF));
        }

        Assert.True(m.Bsp.TryWriteMsr(0x830, (0x0001_0003UL << 32) | (1 << 11) | 0x63)); // cluster 1, IDs 16 and 17
        for (int i = 0; i < 18; i++)
        {
            Assert.Equal(i is 16 or 17, m.Lapics[i].HasDeliverableInterrupt);
        }
    }

    [Fact]
    public void Unknown_MSR_is_not_the_APICs()
    {
        using var m = new IrqTestMachine();
        Assert.False(m.Bsp.TryReadMsr(0x10, out _));
        Assert.False(m.Bsp.TryWriteMsr(0x10, 0));
    }
}
