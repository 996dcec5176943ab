using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>The HPET (IA-PC HPET Specification 1.0a): counter, comparators, routing, status and RESET, in virtual time.</summary>
public sealed class HpetTests
{
    private const ulong Config = 0x010;
    private const ulong Status = 0x020;
    private const ulong Counter = 0x0F0;
    private const ulong Timer0Config = 0x100;
    private const ulong Timer0Comparator = 0x108;
    private const ulong Timer1Config = 0x120;
    private const ulong Timer1Comparator = 0x128;

    private readonly FakeGuestClock _clock = new();
    private readonly TimerQueue _timers;
    private readonly List<(int Pin, bool Level)> _pins = [];
    private readonly List<(int Irq, bool Level)> _isa = [];
    private readonly Hpet _hpet;

    public HpetTests()
    {
        _timers = new TimerQueue(_clock, background: false);
        _hpet = new Hpet(_clock, _timers, (pin, level) => _pins.Add((pin, level)), (irq, level) => _isa.Add((irq, level)));
    }

    [Fact]
    public void Capabilities_name_three_64_bit_timers_legacy_routing_and_a_10_ns_period()
    {
        Assert.Equal(0x8086_A201u, (uint)_hpet.Read(0x000, 4)); // rev 1, 3 timers, 64-bit, LEG_RT_CAP, vendor
        Assert.Equal(Hpet.PeriodFs, (uint)_hpet.Read(0x004, 4));
        Assert.Equal(Hpet.Capabilities, _hpet.Read(0x000, 8));
        Assert.Equal(0x30u, _hpet.Read(Timer0Config, 4) & 0x30); // timer 0: periodic and 64-bit capable
        Assert.Equal(0x20u, _hpet.Read(Timer1Config, 4) & 0x30);
        Assert.Equal(Hpet.RouteCapability, _hpet.Read(Timer0Config + 4, 4));
    }

    [Fact]
    public void The_counter_runs_at_100_MHz_only_while_enabled()
    {
        _clock.Advance(1_000_000);
        Assert.Equal(0UL, _hpet.Read(Counter, 8)); // halted after RESET
        _hpet.Write(Config, 4, 1);
        _clock.Advance(1_000_000);
        Assert.Equal(100_000UL, _hpet.Read(Counter, 8));
        _hpet.Write(Config, 4, 0);
        _clock.Advance(5_000_000);
        Assert.Equal(100_000UL, _hpet.Read(Counter, 8));
        Assert.Equal(100_000UL, _hpet.Read(Counter, 4)); // the low half alone, as a 32-bit OS reads it
    }

    [Fact]
    public void Periodic_timer_0_in_legacy_mode_ticks_IRQ0_and_pin_2_every_period()
    {
        // Linux's hpet_clkevt_set_state_periodic: halt, PERIODIC|SETVAL|ENABLE, comparator = now + delta, then delta.
        const ulong period = 100_000; // 1 ms
        _hpet.Write(Timer0Config, 4, 0x4C);
        _hpet.Write(Timer0Comparator, 8, period);
        _hpet.Write(Timer0Comparator, 8, period);
        _hpet.Write(Config, 4, 3);
        Assert.True(_hpet.LegacyReplacement);

        for (int tick = 1; tick <= 5; tick++)
        {
            _clock.Advance(999_990);
            _timers.RunDue();
            Assert.Equal(2 * (tick - 1), _pins.Count);
            _clock.Advance(10);
            _timers.RunDue();
            Assert.Equal([(2, true), (2, false)], _pins.Skip(2 * (tick - 1)));
        }

        Assert.Equal(10, _isa.Count(e => e.Irq == 0));
        Assert.Equal(6 * period, _hpet.Read(Timer0Comparator, 8)); // the comparator holds the next match
    }

    [Fact]
    public void A_one_shot_fires_once_on_its_routed_pin()
    {
        _hpet.Write(Config, 4, 1);
        _hpet.Write(Timer1Config, 4, (21u << 9) | 0x04);
        _hpet.Write(Timer1Comparator, 8, 50_000);
        _clock.Advance(500_000);
        _timers.RunDue();
        _clock.Advance(10_000_000);
        _timers.RunDue();
        Assert.Equal([(21, true), (21, false)], _pins);
        Assert.Empty(_isa);
    }

    [Fact]
    public void A_route_outside_the_capability_delivers_nothing()
    {
        _hpet.Write(Config, 4, 1);
        _hpet.Write(Timer1Config, 4, (5u << 9) | 0x04);
        _hpet.Write(Timer1Comparator, 8, 10);
        _clock.Advance(1_000);
        _timers.RunDue();
        Assert.Empty(_pins);
    }

    [Fact]
    public void A_level_triggered_timer_holds_its_line_until_its_status_bit_is_cleared()
    {
        _hpet.Write(Config, 4, 1);
        _hpet.Write(Timer1Config, 4, (20u << 9) | 0x06);
        _hpet.Write(Timer1Comparator, 8, 100);
        _clock.Advance(1_000);
        _timers.RunDue();
        Assert.Equal(2UL, _hpet.Read(Status, 8));
        Assert.Equal([(20, true)], _pins);
        _hpet.Write(Status, 4, 1); // another timer's bit: no effect
        Assert.Equal([(20, true)], _pins);
        _hpet.Write(Status, 4, 2);
        Assert.Equal(0UL, _hpet.Read(Status, 8));
        Assert.Equal([(20, true), (20, false)], _pins);
    }

    [Fact]
    public void A_32_bit_timer_matches_the_counters_low_half_and_fires_again_after_it_wraps()
    {
        _hpet.Write(Counter, 8, 0x1_FFFF_FF00);
        _hpet.Write(Timer1Config, 4, (22u << 9) | 0x104);
        _hpet.Write(Timer1Comparator, 8, 0x1_0000_0010); // stored as 0x10
        Assert.Equal(0x10UL, _hpet.Read(Timer1Comparator, 8));
        _hpet.Write(Config, 4, 1);
        _clock.Advance(0x110 * 10);
        _timers.RunDue();
        Assert.Equal(2, _pins.Count);
        _clock.Advance((1L << 32) * 10);
        _timers.RunDue();
        Assert.Equal(4, _pins.Count);
    }

    [Fact]
    public void Reset_halts_the_counter_and_forgets_every_armed_timer()
    {
        _hpet.Write(Timer0Config, 4, 0x4C);
        _hpet.Write(Timer0Comparator, 8, 1_000);
        _hpet.Write(Timer0Comparator, 8, 1_000);
        _hpet.Write(Config, 4, 3);
        _clock.Advance(5_000);
        _hpet.Reset();

        Assert.False(_hpet.LegacyReplacement);
        Assert.Equal(0UL, _hpet.Read(Config, 8));
        Assert.Equal(0UL, _hpet.Read(Counter, 8));
        Assert.Equal(0x30UL, _hpet.Read(Timer0Config, 4));
        Assert.Equal(ulong.MaxValue, _hpet.Read(Timer0Comparator, 8));
        _clock.Advance(1_000_000_000);
        Assert.Equal(0, _timers.RunDue());
        Assert.Empty(_pins);
    }
}
