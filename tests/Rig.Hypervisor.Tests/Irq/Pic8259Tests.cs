using Rig.Hypervisor.Irq;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>The cascaded 8259A pair (8259A datasheet: ICW1-4, OCW1-3, priority and EOI).</summary>
public sealed class Pic8259Tests
{
    [Fact]
    public void Initialized_PIC_delivers_master_and_slave_vectors_from_ICW2()
    {
        var pic = Initialized();
        pic.SetIrq(1, true);
        Assert.True(pic.HasInterrupt);
        Assert.Equal(0x21, pic.Acknowledge());

        pic.SetIrq(9, true);
        WritePort(pic, 0x20, 0x20); // EOI for IRQ1
        Assert.Equal(0x29, pic.Acknowledge());
        WritePort(pic, 0x20, 0x0B); // OCW3: read ISR
        Assert.Equal(0x04u, pic.Read(0x20, 1)); // cascade input in service on the master
        WritePort(pic, 0xA0, 0x0B);
        Assert.Equal(0x02u, pic.Read(0xA0, 1));
    }

    [Fact]
    public void OCW3_selects_IRR_or_ISR_reads()
    {
        var pic = Initialized();
        pic.SetIrq(3, true);
        WritePort(pic, 0x20, 0x0A);
        Assert.Equal(0x08u, pic.Read(0x20, 1));
        pic.Acknowledge();
        Assert.Equal(0x00u, pic.Read(0x20, 1));
        WritePort(pic, 0x20, 0x0B);
        Assert.Equal(0x08u, pic.Read(0x20, 1));
    }

    [Fact]
    public void Lower_IRQ_number_wins_and_blocks_lower_priority_until_EOI()
    {
        var pic = Initialized();
        pic.SetIrq(3, true);
        pic.SetIrq(1, true);
        Assert.Equal(0x21, pic.Acknowledge());
        Assert.False(pic.HasInterrupt); // IRQ3 waits behind IRQ1 in service
        WritePort(pic, 0x20, 0x20);
        Assert.True(pic.HasInterrupt);
        Assert.Equal(0x23, pic.Acknowledge());
    }

    [Fact]
    public void Higher_priority_request_nests_over_one_in_service()
    {
        var pic = Initialized();
        pic.SetIrq(3, true);
        Assert.Equal(0x23, pic.Acknowledge());
        pic.SetIrq(0, true);
        Assert.True(pic.HasInterrupt);
        Assert.Equal(0x20, pic.Acknowledge());
    }

    [Fact]
    public void IMR_masks_requests()
    {
        var pic = Initialized();
        WritePort(pic, 0x21, 0x02);
        Assert.Equal(0x02u, pic.Read(0x21, 1));
        pic.SetIrq(1, true);
        Assert.False(pic.HasInterrupt);
        WritePort(pic, 0x21, 0x00);
        Assert.True(pic.HasInterrupt);
    }

    [Fact]
    public void Specific_EOI_clears_only_the_named_level()
    {
        var pic = Initialized();
        pic.SetIrq(3, true);
        pic.Acknowledge();
        pic.SetIrq(1, true);
        pic.Acknowledge();
        WritePort(pic, 0x20, 0x63); // specific EOI, IR3
        WritePort(pic, 0x20, 0x0B);
        Assert.Equal(0x02u, pic.Read(0x20, 1));
    }

    [Fact]
    public void Auto_EOI_leaves_nothing_in_service()
    {
        var pic = Initialized(icw4: 0x03);
        pic.SetIrq(4, true);
        Assert.Equal(0x24, pic.Acknowledge());
        WritePort(pic, 0x20, 0x0B);
        Assert.Equal(0u, pic.Read(0x20, 1));
    }

    [Fact]
    public void Edge_mode_needs_a_new_rising_edge()
    {
        var pic = Initialized();
        pic.SetIrq(5, true);
        pic.Acknowledge();
        WritePort(pic, 0x20, 0x20);
        pic.SetIrq(5, true);
        Assert.False(pic.HasInterrupt);
        pic.SetIrq(5, false);
        pic.SetIrq(5, true);
        Assert.True(pic.HasInterrupt);
    }

    [Fact]
    public void Request_gone_before_INTA_gives_the_spurious_IR7_vector()
    {
        var pic = Initialized();
        Assert.Equal(0x27, pic.Acknowledge());
        WritePort(pic, 0x20, 0x0B);
        Assert.Equal(0u, pic.Read(0x20, 1));
    }

    [Fact]
    public void Rotation_makes_the_serviced_level_the_lowest_priority()
    {
        var pic = Initialized();
        pic.SetIrq(1, true);
        pic.Acknowledge();
        WritePort(pic, 0x20, 0xA0); // rotate on non-specific EOI: IR1 becomes lowest
        pic.SetIrq(1, false);
        pic.SetIrq(1, true);
        pic.SetIrq(3, true);
        Assert.Equal(0x23, pic.Acknowledge());
    }

    [Fact]
    public void Poll_command_reads_the_highest_request_and_acknowledges_it()
    {
        var pic = Initialized();
        pic.SetIrq(6, true);
        WritePort(pic, 0x20, 0x0C);
        Assert.Equal(0x86u, pic.Read(0x20, 1));
        WritePort(pic, 0x20, 0x0B);
        Assert.Equal(0x40u, pic.Read(0x20, 1));
    }

    [Fact]
    public void ExtINT_on_LINT0_takes_the_vector_from_the_PIC_regardless_of_TPR()
    {
        using var m = new IrqTestMachine();
        var pic = Initialized(m.Bus);
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtLint0, 0x700);
        Write(m.Bsp, Tpr, 0xF0);
        int rings = m.Doorbells[0].Rings;

        pic.SetIrq(1, true);

        Assert.True(m.Doorbells[0].Rings > rings);
        Assert.True(m.Bsp.HasDeliverableInterrupt);
        Assert.True(m.Bsp.TryAcknowledge(out byte vector));
        Assert.Equal(0x21, vector);
        Assert.False(m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void Masked_LINT0_hides_the_PIC_but_a_globally_disabled_APIC_passes_it_straight_through()
    {
        using var m = new IrqTestMachine();
        var pic = Initialized(m.Bus);
        pic.SetIrq(1, true);
        Assert.False(m.Bsp.HasDeliverableInterrupt);

        Assert.True(m.Bsp.TryWriteMsr(0x1B, 0xFEE0_0100));
        Assert.True(m.Bsp.TryAcknowledge(out byte vector));
        Assert.Equal(0x21, vector);
    }

    private static Pic8259 Initialized(ApicBus? bus = null, byte icw4 = 0x01)
    {
        var pic = new Pic8259(bus);
        WritePort(pic, 0x20, 0x11);
        WritePort(pic, 0x21, 0x20);
        WritePort(pic, 0x21, 0x04);
        WritePort(pic, 0x21, icw4);
        WritePort(pic, 0xA0, 0x11);
        WritePort(pic, 0xA1, 0x28);
        WritePort(pic, 0xA1, 0x02);
        WritePort(pic, 0xA1, icw4);
        return pic;
    }

    private static void WritePort(Pic8259 pic, ushort port, byte value) => pic.Write(port, 1, value);
}
