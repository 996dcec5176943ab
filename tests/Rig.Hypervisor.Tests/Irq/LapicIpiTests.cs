using Rig.Hypervisor.Defects;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>ICR IPIs routed through the APIC bus (SDM Vol. 3A 12.6.1, 12.6.2).</summary>
public sealed class LapicIpiTests
{
    [Fact]
    public void Self_shorthand_sets_the_senders_IRR()
    {
        using var m = new IrqTestMachine(cpus: 2);
        m.Lapics.ForEach(SoftwareEnable);
        Write(m.Bsp, IcrLow, 0x0004_0045);
        Assert.True(InIrr(m.Bsp, 0x45));
        Assert.False(InIrr(m.Lapics[1], 0x45));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_self_IPI_is_requested_at_once_and_with_the_seeded_defect_only_when_the_sender_halts(bool defect)
    {
        var defects = new DefectSet();
        if (defect)
        {
            defects.Enable(DefectCatalog.SelfIpiWaitsForHalt);
        }

        using var m = new IrqTestMachine(defects: defects);
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, IcrLow, 0x0004_0041);
        Assert.Equal(!defect, InIrr(m.Bsp, 0x41));

        m.Bsp.OnHalt();
        Assert.True(InIrr(m.Bsp, 0x41));
    }

    [Fact]
    public void Fixed_physical_IPI_reaches_only_its_destination_and_rings_its_doorbell()
    {
        using var m = new IrqTestMachine(cpus: 3);
        m.Lapics.ForEach(SoftwareEnable);
        int before = m.Doorbells[2].Rings;
        SendFixed(m.Bsp, 2, 0x46);
        Assert.True(InIrr(m.Lapics[2], 0x46));
        Assert.False(InIrr(m.Lapics[1], 0x46));
        Assert.False(InIrr(m.Bsp, 0x46));
        Assert.True(m.Doorbells[2].Rings > before);
    }

    [Fact]
    public void ICR_delivery_status_reads_idle_after_the_send()
    {
        using var m = new IrqTestMachine(cpus: 2);
        m.Lapics.ForEach(SoftwareEnable);
        SendFixed(m.Bsp, 1, 0x46);
        Assert.Equal(0u, Read(m.Bsp, IcrLow) & (1u << 12));
    }

    [Fact]
    public void NMI_IPI_is_taken_once_even_by_a_software_disabled_APIC()
    {
        using var m = new IrqTestMachine(cpus: 2);
        Write(m.Bsp, IcrHigh, 0x0100_0000);
        Write(m.Bsp, IcrLow, 0x0000_0400);
        Assert.True(m.Lapics[1].TakeNmi());
        Assert.False(m.Lapics[1].TakeNmi());
        Assert.False(m.Bsp.TakeNmi());
    }

    [Fact]
    public void INIT_then_SIPI_wake_the_target_with_the_start_vector()
    {
        using var m = new IrqTestMachine(cpus: 2);
        Write(m.Bsp, IcrHigh, 0x0100_0000);
        Write(m.Bsp, IcrLow, 0x0000_C500); // INIT, level assert
        Write(m.Bsp, IcrLow, 0x0000_069A); // STARTUP, vector 9AH
        Assert.True(m.Lapics[1].TakeInit());
        Assert.True(m.Lapics[1].TakeSipi(out byte vector));
        Assert.Equal(0x9A, vector);
        Assert.False(m.Lapics[1].TakeSipi(out _));
    }

    [Fact]
    public void INIT_level_deassert_sends_nothing()
    {
        using var m = new IrqTestMachine(cpus: 2);
        Write(m.Bsp, IcrLow, 0x000C_8500); // all including self, INIT, level, de-assert
        Assert.False(m.Lapics[1].TakeInit());
        Assert.False(m.Bsp.TakeInit());
    }

    [Fact]
    public void All_excluding_self_skips_the_sender()
    {
        using var m = new IrqTestMachine(cpus: 3);
        m.Lapics.ForEach(SoftwareEnable);
        Write(m.Bsp, IcrLow, 0x000C_0047);
        Assert.False(InIrr(m.Bsp, 0x47));
        Assert.True(InIrr(m.Lapics[1], 0x47));
        Assert.True(InIrr(m.Lapics[2], 0x47));
    }

    [Fact]
    public void All_including_self_and_broadcast_destination_reach_everyone()
    {
        using var m = new IrqTestMachine(cpus: 2);
        m.Lapics.ForEach(SoftwareEnable);
        Write(m.Bsp, IcrLow, 0x0008_0048);
        SendFixed(m.Lapics[1], 0xFF, 0x49);
        foreach (var lapic in m.Lapics)
        {
            Assert.True(InIrr(lapic, 0x48));
            Assert.True(InIrr(lapic, 0x49));
        }
    }

    [Fact]
    public void Logical_flat_destination_matches_any_common_LDR_bit()
    {
        using var m = new IrqTestMachine(cpus: 3);
        m.Lapics.ForEach(SoftwareEnable);
        for (int i = 0; i < 3; i++)
        {
            Write(m.Lapics[i], 0xD0, (1u << i) << 24);
        }

        Write(m.Bsp, IcrHigh, 0x0600_0000);
        Write(m.Bsp, IcrLow, 0x0000_0850); // fixed, logical
        Assert.False(InIrr(m.Bsp, 0x50));
        Assert.True(InIrr(m.Lapics[1], 0x50));
        Assert.True(InIrr(m.Lapics[2], 0x50));
    }

    [Fact]
    public void Logical_cluster_destination_matches_cluster_and_member_bits()
    {
        using var m = new IrqTestMachine(cpus: 3);
        m.Lapics.ForEach(SoftwareEnable);
        m.Lapics.ForEach(l => Write(l, 0xE0, 0x0FFF_FFFF)); // cluster model
        Write(m.Bsp, 0xD0, 0x1100_0000); // cluster 1, member 1
        Write(m.Lapics[1], 0xD0, 0x1200_0000); // cluster 1, member 2
        Write(m.Lapics[2], 0xD0, 0x2200_0000); // cluster 2, member 2

        Write(m.Bsp, IcrHigh, 0x1200_0000);
        Write(m.Bsp, IcrLow, 0x0000_0851);
        Assert.False(InIrr(m.Bsp, 0x51));
        Assert.True(InIrr(m.Lapics[1], 0x51));
        Assert.False(InIrr(m.Lapics[2], 0x51));
    }

    [Fact]
    public void Lowest_priority_goes_to_the_lowest_APIC_ID_among_the_destinations()
    {
        using var m = new IrqTestMachine(cpus: 3);
        m.Lapics.ForEach(SoftwareEnable);
        Write(m.Bsp, IcrHigh, 0xFF00_0000);
        Write(m.Lapics[2], IcrLow, 0x0000_0152); // lowest priority, physical broadcast
        Assert.True(InIrr(m.Bsp, 0x52));
        Assert.False(InIrr(m.Lapics[1], 0x52));
        Assert.False(InIrr(m.Lapics[2], 0x52));
    }

    [Fact]
    public void Globally_disabled_APIC_is_no_destination()
    {
        using var m = new IrqTestMachine(cpus: 2);
        Assert.True(m.Lapics[1].TryWriteMsr(0x1B, 0xFEE0_0000));
        Write(m.Bsp, IcrHigh, 0x0100_0000);
        Write(m.Bsp, IcrLow, 0x0000_0400);
        Assert.False(m.Lapics[1].TakeNmi());
    }

    [Fact]
    public void Reserved_and_SMI_delivery_modes_send_nothing()
    {
        using var m = new IrqTestMachine(cpus: 2);
        m.Lapics.ForEach(SoftwareEnable);
        Write(m.Bsp, IcrHigh, 0x0100_0000);
        foreach (uint mode in new uint[] { 2, 3, 7 })
        {
            Write(m.Bsp, IcrLow, (mode << 8) | 0x53);
        }

        Assert.False(m.Lapics[1].HasDeliverableInterrupt);
        Assert.False(m.Lapics[1].TakeNmi());
    }

    [Fact]
    public void QMP_NMI_reaches_processors_whose_LINT1_is_programmed_as_NMI()
    {
        using var m = new IrqTestMachine(cpus: 2);
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtLint1, 0x400);
        m.Bus.PulseLint1OnAll();
        Assert.True(m.Bsp.TakeNmi());
        Assert.False(m.Lapics[1].TakeNmi()); // LINT1 still masked from reset
    }
}
