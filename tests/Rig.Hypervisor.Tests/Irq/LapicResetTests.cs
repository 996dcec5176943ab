using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Irq;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>RESET and INIT state (SDM Vol. 3A 12.4.7.1, 12.4.7.3, 12.12.5.1).</summary>
public sealed class LapicResetTests
{
    public static TheoryData<ulong, uint> ResetRegisters => new()
    {
        { 0x030, 0x0106_0014 }, // version: 14H, max LVT 6, EOI-broadcast suppression supported
        { 0x080, 0 }, // TPR
        { 0x0A0, 0 }, // PPR
        { 0x0D0, 0 }, // LDR
        { 0x0E0, 0xFFFF_FFFF }, // DFR
        { 0x0F0, 0xFF }, // SVR
        { 0x280, 0 }, // ESR
        { 0x2F0, 0x1_0000 }, // LVT CMCI masked
        { 0x300, 0 }, // ICR low
        { 0x310, 0 }, // ICR high
        { 0x320, 0x1_0000 }, // LVT timer
        { 0x330, 0x1_0000 }, // LVT thermal
        { 0x340, 0x1_0000 }, // LVT performance
        { 0x350, 0x1_0000 }, // LVT LINT0
        { 0x360, 0x1_0000 }, // LVT LINT1
        { 0x370, 0x1_0000 }, // LVT error
        { 0x380, 0 }, // initial count
        { 0x390, 0 }, // current count
        { 0x3E0, 0 }, // divide configuration
    };

    [Theory]
    [MemberData(nameof(ResetRegisters))]
    public void Register_after_reset_has_its_SDM_value(ulong offset, uint expected)
    {
        using var m = new IrqTestMachine();
        Dirty(m);
        m.Bsp.Reset();
        Assert.Equal(expected, Read(m.Bsp, offset));
    }

    [Fact]
    public void Reset_clears_IRR_ISR_TMR_and_keeps_the_initial_APIC_ID_and_base()
    {
        using var m = new IrqTestMachine(cpus: 2);
        Dirty(m);
        Write(m.Lapics[1], 0x20, 0x0700_0000); // software moves the xAPIC ID
        m.Bsp.Reset();
        m.Lapics[1].Reset();

        for (ulong reg = 0; reg < 8; reg++)
        {
            Assert.Equal(0u, Read(m.Bsp, 0x100 + (reg * 0x10)));
            Assert.Equal(0u, Read(m.Bsp, 0x180 + (reg * 0x10)));
            Assert.Equal(0u, Read(m.Bsp, 0x200 + (reg * 0x10)));
        }

        Assert.Equal(0xFEE0_0900UL, m.Bsp.ApicBaseMsr);
        Assert.Equal(0xFEE0_0800UL, m.Lapics[1].ApicBaseMsr);
        Assert.Equal(0u, Read(m.Bsp, 0x20));
        Assert.Equal(0x0100_0000u, Read(m.Lapics[1], 0x20));
    }

    [Fact]
    public void Reset_stops_the_timer()
    {
        using var m = new IrqTestMachine();
        Dirty(m);
        m.Bsp.Reset();
        SoftwareEnable(m.Bsp);
        m.AdvanceAndRunTimers(10_000_000);
        Assert.False(m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void Reset_leaves_x2APIC_mode()
    {
        using var m = new IrqTestMachine();
        Assert.True(m.Bsp.TryWriteMsr(0x1B, 0xFEE0_0D00));
        m.Bsp.Reset();
        Assert.False(m.Bsp.X2ApicMode);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Timer_vector_left_in_service_blocks_the_next_boot_only_with_the_stale_reset_defect(bool defect, bool tickArrives)
    {
        // Seed 001: boot 1 takes a timer tick without EOI; after a system reset boot 2 arms the same timer vector.
        var defects = new DefectSet();
        if (defect)
        {
            defects.Enable(DefectCatalog.StaleLapicOnReset);
        }

        using var m = new IrqTestMachine(defects: defects);
        ArmOneShot(m, vector: 0xD1, count: 1000);
        m.AdvanceAndRunTimers(1000);
        Assert.True(m.Bsp.TryAcknowledge(out byte taken));
        Assert.Equal(0xD1, taken);

        m.Bsp.Reset();
        ArmOneShot(m, vector: 0xD1, count: 1000);
        m.AdvanceAndRunTimers(1000);

        Assert.Equal(tickArrives, m.Bsp.HasDeliverableInterrupt);
        Assert.Equal(defect, InIsr(m.Bsp, 0xD1));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void A_timer_running_at_reset_swallows_the_next_arming_only_with_the_timer_lost_defect(bool defect, bool tickArrives)
    {
        var defects = new DefectSet();
        if (defect)
        {
            defects.Enable(DefectCatalog.TimerLostOnReset);
        }

        using var m = new IrqTestMachine(defects: defects);
        ArmOneShot(m, vector: 0xD1, count: 1_000_000); // still counting when the reset comes
        m.Bsp.Reset();
        ArmOneShot(m, vector: 0xD1, count: 1000);
        m.AdvanceAndRunTimers(1000);

        Assert.Equal(tickArrives, m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void Init_resets_registers_but_keeps_the_ID_the_base_and_x2APIC_mode()
    {
        using var m = new IrqTestMachine(cpus: 2);
        var ap = m.Lapics[1];
        Assert.True(ap.TryWriteMsr(0x1B, 0xFEE0_0C00));
        Assert.True(ap.TryWriteMsr(0x808, 0x40)); // TPR
        Assert.True(ap.TryWriteMsr(0x80F, 0x1FF));

        ap.Init();

        Assert.True(ap.X2ApicMode);
        Assert.Equal(0xFEE0_0C00UL, ap.ApicBaseMsr);
        Assert.True(ap.TryReadMsr(0x802, out ulong id));
        Assert.Equal(1UL, id);
        Assert.True(ap.TryReadMsr(0x808, out ulong tpr));
        Assert.Equal(0UL, tpr);
        Assert.True(ap.TryReadMsr(0x80F, out ulong svr));
        Assert.Equal(0xFFUL, svr);
    }

    [Fact]
    public void Init_in_the_disabled_state_stays_disabled()
    {
        using var m = new IrqTestMachine();
        Assert.True(m.Bsp.TryWriteMsr(0x1B, 0xFEE0_0100));
        m.Bsp.Init();
        Assert.Equal(0xFEE0_0100UL, m.Bsp.ApicBaseMsr);
    }

    private static void ArmOneShot(IrqTestMachine m, byte vector, uint count)
    {
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, Divide, 0xB);
        Write(m.Bsp, LvtTimer, vector);
        Write(m.Bsp, InitialCount, count);
    }

    /// <summary>Puts something other than the reset value in every register.</summary>
    private static void Dirty(IrqTestMachine m)
    {
        var lapic = m.Bsp;
        Write(lapic, Svr, 0x11FF); // software-enabled, EOI broadcast suppressed: RESET clears both
        Write(lapic, Tpr, 0x20);
        Write(lapic, 0xD0, 0x0100_0000);
        Write(lapic, 0xE0, 0x0FFF_FFFF);
        foreach (ulong lvt in new ulong[] { 0x2F0, 0x330, 0x340, 0x350, 0x360, 0x370 })
        {
            Write(lapic, lvt, 0x40);
        }

        Write(lapic, LvtTimer, 0x2_0040); // periodic, vector 0x40
        Write(lapic, Divide, 0x3);
        Write(lapic, InitialCount, 1_000_000);
        Write(lapic, IcrHigh, 0x0100_0000);
        SendFixed(lapic, 0, 0x05); // illegal vector: ESR "send illegal vector"
        Write(lapic, Esr, 0);
        SendFixed(lapic, 0, 0x60);
        Assert.True(lapic.TryAcknowledge(out _));
        SendFixed(lapic, 0, 0x70);
        lapic.WriteMmio(0x300, 4, 0x0000_8050 | (1 << 18)); // level-triggered self IPI sets TMR
        Write(lapic, IcrHigh, 0x0100_0000);
    }
}
