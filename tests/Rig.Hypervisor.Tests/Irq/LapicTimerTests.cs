using Rig.Hypervisor.Defects;
using static Rig.Hypervisor.Tests.Irq.IrqTestMachine;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>The LAPIC timer (SDM Vol. 3A 12.5.4, 12.5.4.1) at 1 count per ns before the divider.</summary>
public sealed class LapicTimerTests
{
    private const uint OneShot = 0x0_0000;
    private const uint Periodic = 0x2_0000;
    private const uint TscDeadline = 0x4_0000;
    private const uint Masked = 0x1_0000;
    private const uint Ia32TscDeadline = 0x6E0;

    [Fact]
    public void One_shot_expires_after_initial_count_times_divisor_and_current_count_falls_with_time()
    {
        using var m = new IrqTestMachine();
        Start(m, OneShot | 0x40, divide: 0x3, count: 1000); // divide by 16

        m.AdvanceAndRunTimers(16 * 300);
        Assert.Equal(700u, Read(m.Bsp, CurrentCount));
        Assert.False(InIrr(m.Bsp, 0x40));

        m.AdvanceAndRunTimers((16 * 700) - 1);
        Assert.False(InIrr(m.Bsp, 0x40));
        Assert.Equal(1, m.AdvanceAndRunTimers(1));
        Assert.True(InIrr(m.Bsp, 0x40));
        Assert.Equal(0u, Read(m.Bsp, CurrentCount));
        Assert.True(m.Doorbells[0].Rings > 0);
    }

    [Fact]
    public void One_shot_fires_once()
    {
        using var m = new IrqTestMachine();
        Start(m, OneShot | 0x40, divide: 0xB, count: 1000);
        m.AdvanceAndRunTimers(1000);
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        Assert.Equal(0, m.AdvanceAndRunTimers(1_000_000));
        Assert.False(m.Bsp.HasDeliverableInterrupt);
    }

    [Theory]
    [InlineData(0x0, 2)]
    [InlineData(0x1, 4)]
    [InlineData(0x2, 8)]
    [InlineData(0x3, 16)]
    [InlineData(0x8, 32)]
    [InlineData(0x9, 64)]
    [InlineData(0xA, 128)]
    [InlineData(0xB, 1)]
    public void Divide_configuration_sets_the_count_rate(uint divide, long divisor)
    {
        using var m = new IrqTestMachine();
        Start(m, OneShot | 0x40, divide, count: 100_000);
        m.AdvanceAndRunTimers(divisor * 1000);
        Assert.Equal(99_000u, Read(m.Bsp, CurrentCount));
    }

    [Fact]
    public void Periodic_reloads_and_rearms_from_the_previous_deadline_without_drift()
    {
        using var m = new IrqTestMachine();
        Start(m, Periodic | 0x40, divide: 0xB, count: 1_000_000); // 1 ms

        // The host wakes 300 us late; the expiry is still delivered and the next one stays on the 1 ms grid.
        Assert.Equal(1, m.AdvanceAndRunTimers(1_300_000));
        Assert.Equal(700_000u, Read(m.Bsp, CurrentCount));
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);

        Assert.Equal(0, m.AdvanceAndRunTimers(699_999));
        Assert.Equal(1, m.AdvanceAndRunTimers(1));
        Assert.Equal(0, m.AdvanceAndRunTimers(999_999));
        Assert.Equal(1, m.AdvanceAndRunTimers(1));
        Assert.Equal(1_000_000u, Read(m.Bsp, CurrentCount));
    }

    [Fact]
    public void A_TSC_deadline_due_when_written_interrupts_before_the_timer_thread_runs()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtTimer, TscDeadline | 0x41);
        Assert.True(m.Bsp.TryWriteMsr(Ia32TscDeadline, m.Clock.GuestTsc(0)));
        Assert.True(InIrr(m.Bsp, 0x41));
        Assert.True(m.Doorbells[0].Rings > 0);
    }

    [Fact]
    public void A_one_shot_count_that_reached_zero_stays_there_when_switched_to_periodic()
    {
        using var m = new IrqTestMachine();
        Start(m, OneShot | 0x40, divide: 0xB, count: 1_000);
        m.Clock.Advance(5_000); // the count reached zero; the host's timer thread has not run yet
        Write(m.Bsp, LvtTimer, Periodic | 0x40);
        Assert.True(InIrr(m.Bsp, 0x40));
        Assert.Equal(0u, Read(m.Bsp, CurrentCount));
        Assert.True(m.Bsp.TryAcknowledge(out _));
        Write(m.Bsp, Eoi, 0);
        m.AdvanceAndRunTimers(10_000);
        Assert.False(m.Bsp.HasDeliverableInterrupt);
        Assert.Equal(0u, Read(m.Bsp, CurrentCount));
    }

    [Fact]
    public void With_expired_timer_destroyed_on_lvt_write_the_switch_inside_the_slop_loses_the_interrupt()
    {
        using var m = OneShotWithExpiredTimerDestroyedOnLvtWrite();
        Assert.Equal(0, m.AdvanceAndRunTimers(5_000)); // zero reached, the host timer is 50 us behind it
        Assert.Equal(0u, Read(m.Bsp, CurrentCount));
        Write(m.Bsp, LvtTimer, Periodic | 0x40);
        Assert.Equal(0, m.AdvanceAndRunTimers(1_000_000));
        Assert.False(m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void With_expired_timer_destroyed_on_lvt_write_a_one_shot_left_alone_still_interrupts()
    {
        using var m = OneShotWithExpiredTimerDestroyedOnLvtWrite();
        Assert.Equal(1, m.AdvanceAndRunTimers(100_000));
        Write(m.Bsp, LvtTimer, Periodic | 0x40);
        Assert.True(InIrr(m.Bsp, 0x40));
    }

    private static IrqTestMachine OneShotWithExpiredTimerDestroyedOnLvtWrite()
    {
        var defects = new DefectSet();
        defects.Enable(DefectCatalog.ExpiredTimerDestroyedOnLvtWrite);
        var m = new IrqTestMachine(defects: defects);
        Start(m, OneShot | 0x40, divide: 0xB, count: 1_000);
        return m;
    }

    [Fact]
    public void Masked_timer_counts_but_never_delivers()
    {
        using var m = new IrqTestMachine();
        Start(m, Periodic | Masked | 0x40, divide: 0xB, count: 1_000_000);
        m.AdvanceAndRunTimers(2_500_000);
        Assert.Equal(500_000u, Read(m.Bsp, CurrentCount));
        Assert.False(InIrr(m.Bsp, 0x40));
        Assert.False(m.Bsp.HasDeliverableInterrupt);
    }

    [Fact]
    public void Writing_zero_initial_count_stops_the_timer()
    {
        using var m = new IrqTestMachine();
        Start(m, Periodic | 0x40, divide: 0xB, count: 1_000_000);
        m.AdvanceAndRunTimers(500_000);
        Write(m.Bsp, InitialCount, 0);
        Assert.Equal(0, m.AdvanceAndRunTimers(5_000_000));
        Assert.Equal(0u, Read(m.Bsp, CurrentCount));
    }

    [Fact]
    public void Switching_one_shot_to_periodic_keeps_counting_without_restarting()
    {
        using var m = new IrqTestMachine();
        Start(m, OneShot | 0x40, divide: 0xB, count: 1_000_000);
        m.AdvanceAndRunTimers(400_000);
        Write(m.Bsp, LvtTimer, Periodic | 0x40);
        Assert.Equal(600_000u, Read(m.Bsp, CurrentCount));
        Assert.Equal(1, m.AdvanceAndRunTimers(600_000));
        Assert.Equal(1, m.AdvanceAndRunTimers(1_000_000));
    }

    [Fact]
    public void TSC_deadline_fires_when_the_guest_TSC_reaches_it_and_then_reads_zero()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtTimer, TscDeadline | 0x41);
        ulong deadline = m.Clock.GuestTsc(0) + 2_000; // 1000 ns at 2 GHz

        Assert.True(m.Bsp.TryWriteMsr(Ia32TscDeadline, deadline));
        Assert.True(m.Bsp.TryReadMsr(Ia32TscDeadline, out ulong armed));
        Assert.Equal(deadline, armed);
        Assert.Equal(0u, Read(m.Bsp, CurrentCount));

        Assert.Equal(0, m.AdvanceAndRunTimers(999));
        Assert.Equal(1, m.AdvanceAndRunTimers(1));
        Assert.True(InIrr(m.Bsp, 0x41));
        Assert.True(m.Bsp.TryReadMsr(Ia32TscDeadline, out ulong after));
        Assert.Equal(0UL, after);
    }

    [Fact]
    public void TSC_deadline_in_the_past_fires_at_once_and_zero_disarms()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtTimer, TscDeadline | 0x41);
        Assert.True(m.Bsp.TryWriteMsr(Ia32TscDeadline, 1));
        Assert.Equal(1, m.AdvanceAndRunTimers(0));

        Assert.True(m.Bsp.TryWriteMsr(Ia32TscDeadline, m.Clock.GuestTsc(0) + 2_000));
        Assert.True(m.Bsp.TryWriteMsr(Ia32TscDeadline, 0));
        Assert.Equal(0, m.AdvanceAndRunTimers(10_000));
    }

    [Fact]
    public void TSC_deadline_MSR_reads_zero_and_ignores_writes_outside_deadline_mode()
    {
        using var m = new IrqTestMachine();
        Start(m, OneShot | 0x40, divide: 0xB, count: 1_000_000);
        Assert.True(m.Bsp.TryWriteMsr(Ia32TscDeadline, m.Clock.GuestTsc(0) + 10));
        Assert.True(m.Bsp.TryReadMsr(Ia32TscDeadline, out ulong value));
        Assert.Equal(0UL, value);
        Assert.Equal(0, m.AdvanceAndRunTimers(100));
    }

    [Fact]
    public void Entering_TSC_deadline_mode_disarms_the_countdown_and_initial_count_writes_are_ignored()
    {
        using var m = new IrqTestMachine();
        Start(m, OneShot | 0x40, divide: 0xB, count: 1_000_000);
        Write(m.Bsp, LvtTimer, TscDeadline | 0x40);
        Write(m.Bsp, InitialCount, 500);
        Assert.Equal(0u, Read(m.Bsp, InitialCount));
        Assert.Equal(0, m.AdvanceAndRunTimers(2_000_000));
    }

    [Fact]
    public void Leaving_TSC_deadline_mode_disarms_the_deadline()
    {
        using var m = new IrqTestMachine();
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, LvtTimer, TscDeadline | 0x41);
        Assert.True(m.Bsp.TryWriteMsr(Ia32TscDeadline, m.Clock.GuestTsc(0) + 2_000));
        Write(m.Bsp, LvtTimer, OneShot | 0x41);
        Assert.Equal(0, m.AdvanceAndRunTimers(10_000));
    }

    private static void Start(IrqTestMachine m, uint lvt, uint divide, uint count)
    {
        SoftwareEnable(m.Bsp);
        Write(m.Bsp, Divide, divide);
        Write(m.Bsp, LvtTimer, lvt);
        Write(m.Bsp, InitialCount, count);
    }
}
