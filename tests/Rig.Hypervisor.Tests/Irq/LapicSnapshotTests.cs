using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Irq;
using Rig.Hypervisor.Vm;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

public sealed class LapicSnapshotTests
{
    [Fact]
    public void Restore_brings_back_registers_and_the_remaining_timer_count()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, Tpr, 0x20);
        SendFixed(m.Bsp, 0, 0x61);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Divide, 0xB);
        Write(m.Bsp, LvtTimer, 0x2_0040);
        Write(m.Bsp, InitialCount, 1_000_000);
        m.AdvanceAndRunTimers(250_000);
        var saved = m.Bsp.Save();

        // The guest goes on and changes everything; then the snapshot is reverted a while later.
        Write(m.Bsp, Eoi, 0);
        Write(m.Bsp, Tpr, 0);
        Write(m.Bsp, InitialCount, 0);
        m.AdvanceAndRunTimers(10_000_000);
        m.Bsp.Restore(saved);

        Assert.Equal(0x20u, Read(m.Bsp, Tpr));
        Assert.True(InIsr(m.Bsp, 0x61));
        Assert.Equal(750_000u, Read(m.Bsp, CurrentCount));
        Assert.Equal(0, m.AdvanceAndRunTimers(749_999));
        Assert.Equal(1, m.AdvanceAndRunTimers(1));
    }

    [Fact]
    public void Restore_rejects_a_malformed_state_and_keeps_the_old_one()
    {
        using var m = new IrqTestMachine();
        Write(m.Bsp, Tpr, 0x20);
        var bad = m.Bsp.Save() with { Irr = new uint[3] };
        Assert.Throws<ArgumentException>(() => m.Bsp.Restore(bad));
        Assert.Equal(0x20u, Read(m.Bsp, Tpr));
    }

    [Fact]
    public void State_moves_to_another_LAPIC_instance()
    {
        using var m = new IrqTestMachine();
        Assert.True(m.Bsp.TryWriteMsr(0x1B, 0xFEE0_0D00));
        Assert.True(m.Bsp.TryWriteMsr(0x808, 0x30));
        var state = m.Bsp.Save();

        using var other = new IrqTestMachine();
        other.Bsp.Restore(state);
        Assert.True(other.Bsp.X2ApicMode);
        Assert.True(other.Bsp.TryReadMsr(0x808, out ulong tpr));
        Assert.Equal(0x30UL, tpr);
    }
}
