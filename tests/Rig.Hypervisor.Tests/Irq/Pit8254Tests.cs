using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>The 8254 PIT (8254 datasheet: modes, latch and read-back) and port 0x61, at 1.193182 MHz of virtual time.</summary>
public sealed class Pit8254Tests
{
    private readonly FakeGuestClock _clock = new();
    private readonly TimerQueue _timers;
    private readonly List<bool> _irq0 = [];
    private readonly Pit8254 _pit;

    public Pit8254Tests()
    {
        _timers = new TimerQueue(_clock, background: false);
        _pit = new Pit8254(_clock, _timers, _irq0.Add);
    }

    private int Irq0Pulses => _irq0.Count(level => level);

    [Fact]
    public void Channel_2_mode_0_calibration_loop_sees_OUT_rise_after_exactly_N_input_clocks()
    {
        // What Linux's pit_calibrate_tsc does: gate on, speaker off, mode 0, count N, poll port 0x61 bit 5.
        _pit.Write(0x61, 1, (_pit.Read(0x61, 1) & ~0x02u) | 0x01);
        _pit.Write(0x43, 1, 0xB0);
        const int n = 59659; // 50 ms
        _pit.Write(0x42, 1, n & 0xFF);
        _pit.Write(0x42, 1, n >> 8);

        long exactNs = (long)Math.Ceiling(n * 1e9 / Pit8254.InputHz);
        _clock.Advance(exactNs - 1_000);
        Assert.Equal(0u, _pit.Read(0x61, 1) & 0x20);
        _clock.Advance(1_000);
        Assert.Equal(0x20u, _pit.Read(0x61, 1) & 0x20);
    }

    [Fact]
    public void Count_falls_at_the_input_clock_rate()
    {
        Program(channel: 2, control: 0xB0, count: 0xFFFF);
        _pit.Write(0x61, 1, 0x01);
        _clock.Advance(10_000_000); // 10 ms = 11931.82 clocks
        Assert.Equal(0xFFFF - 11931, ReadLatched(2));
    }

    [Fact]
    public void Gate_low_holds_a_mode_0_count()
    {
        Program(channel: 2, control: 0xB0, count: 10_000);
        _clock.Advance(5_000_000);
        Assert.Equal(10_000, ReadLatched(2)); // gate has been low since reset
        _pit.Write(0x61, 1, 0x01);
        _clock.Advance(1_000_000);
        int running = ReadLatched(2);
        _pit.Write(0x61, 1, 0x00);
        _clock.Advance(5_000_000);
        Assert.Equal(running, ReadLatched(2));
        Assert.Equal(10_000 - 1193, running);
    }

    [Fact]
    public void Latched_count_is_frozen_until_both_bytes_are_read()
    {
        Program(channel: 0, control: 0x34, count: 50_000);
        _clock.Advance(1_000_000);
        _pit.Write(0x43, 1, 0x00);
        _clock.Advance(5_000_000);
        int latched = (int)_pit.Read(0x40, 1) | ((int)_pit.Read(0x40, 1) << 8);
        Assert.Equal(50_000 - 1193, latched);
        int live = (int)_pit.Read(0x40, 1) | ((int)_pit.Read(0x40, 1) << 8);
        Assert.Equal(50_000 - 7159, live);
    }

    [Fact]
    public void Low_byte_only_access_reads_and_writes_one_byte()
    {
        Program(channel: 1, control: 0x50, count: 0x80); // channel 1, LSB only, mode 0
        _clock.Advance(10_000); // 11 clocks
        Assert.Equal(0x80u - 11, _pit.Read(0x41, 1));
        Assert.Equal(0x80u - 11, _pit.Read(0x41, 1));
    }

    [Fact]
    public void Read_back_returns_status_then_count()
    {
        Program(channel: 2, control: 0xB6, count: 1000); // mode 3, lobyte/hibyte, binary
        _pit.Write(0x43, 1, 0xC8); // read-back count and status of channel 2
        byte status = (byte)_pit.Read(0x42, 1);
        Assert.Equal(0x30 | (3 << 1), status & 0x3F);
        Assert.Equal(0x80, status & 0x80); // OUT high in mode 3 before the gate
        int count = (int)_pit.Read(0x42, 1) | ((int)_pit.Read(0x42, 1) << 8);
        Assert.Equal(1000, count);
    }

    [Fact]
    public void Null_count_is_set_by_the_control_word_and_cleared_by_the_count()
    {
        _pit.Write(0x43, 1, 0x34);
        _pit.Write(0x43, 1, 0xE2);
        Assert.Equal(0x40u, _pit.Read(0x40, 1) & 0x40);
        _pit.Write(0x40, 1, 0x10);
        _pit.Write(0x40, 1, 0x00);
        _pit.Write(0x43, 1, 0xE2);
        Assert.Equal(0u, _pit.Read(0x40, 1) & 0x40);
    }

    [Fact]
    public void Channel_0_rate_generator_pulses_IRQ0_every_N_clocks_without_drift()
    {
        Program(channel: 0, control: 0x34, count: 1193); // mode 2, ~1 kHz
        long Edge(int k) => Start + (((long)k * 1193 * 1_000_000_000) + Pit8254.InputHz - 1) / Pit8254.InputHz;

        // The host wakes 300 us late for the first edge; the second still comes on the input-clock grid.
        _clock.NowNs = Edge(1) + 300_000;
        _timers.RunDue();
        Assert.Equal(1, Irq0Pulses);
        for (int k = 2; k <= 5; k++)
        {
            _clock.NowNs = Edge(k) - 1;
            _timers.RunDue();
            Assert.Equal(k - 1, Irq0Pulses);
            _clock.NowNs = Edge(k);
            _timers.RunDue();
            Assert.Equal(k, Irq0Pulses);
        }
    }

    [Fact]
    public void Channel_0_mode_0_pulses_IRQ0_once()
    {
        Program(channel: 0, control: 0x30, count: 1193);
        _clock.Advance(100_000_000);
        _timers.RunDue();
        _clock.Advance(100_000_000);
        _timers.RunDue();
        Assert.Equal(1, Irq0Pulses);
    }

    [Fact]
    public void Square_wave_output_is_high_for_the_first_half_of_each_period()
    {
        _pit.Write(0x61, 1, 0x01);
        Program(channel: 2, control: 0xB6, count: 1000);
        long halfNs = 500L * 1_000_000_000 / Pit8254.InputHz;
        _clock.Advance(halfNs - 1_000);
        Assert.Equal(0x20u, _pit.Read(0x61, 1) & 0x20);
        _clock.Advance(2_000);
        Assert.Equal(0u, _pit.Read(0x61, 1) & 0x20);
    }

    [Fact]
    public void New_count_in_mode_2_takes_effect_at_the_end_of_the_current_period()
    {
        _pit.Write(0x61, 1, 0x01);
        Program(channel: 2, control: 0xB4, count: 1000);
        _clock.Advance(500L * 1_000_000_000 / Pit8254.InputHz);
        _pit.Write(0x42, 1, 100);
        _pit.Write(0x42, 1, 0);
        int count = ReadLatched(2);
        Assert.InRange(count, 499, 501); // still the old period
        _clock.Advance(600L * 1_000_000_000 / Pit8254.InputHz);
        Assert.InRange(ReadLatched(2), 1, 100);
    }

    [Fact]
    public void BCD_mode_counts_in_decimal_digits()
    {
        _pit.Write(0x61, 1, 0x01);
        Program(channel: 2, control: 0xB1, count: 0x1000); // mode 0, BCD: 1000 decimal
        _clock.Advance(10_000); // 11 clocks
        Assert.Equal(0x0989, ReadLatched(2));
    }

    [Fact]
    public void Port_61_keeps_its_writable_bits_and_the_control_port_reads_as_open_bus()
    {
        _pit.Write(0x61, 1, 0xFF);
        Assert.Equal(0x0Fu, _pit.Read(0x61, 1) & 0xCF);
        Assert.Equal(0xFFu, _pit.Read(0x43, 1));
    }

    private long Start { get; set; }

    private void Program(int channel, byte control, int count)
    {
        Start = _clock.NowNs;
        _pit.Write(0x43, 1, control);
        ushort port = (ushort)(0x40 + channel);
        if (((control >> 4) & 3) == 1)
        {
            _pit.Write(port, 1, (uint)count & 0xFF);
            return;
        }

        _pit.Write(port, 1, (uint)count & 0xFF);
        _pit.Write(port, 1, (uint)count >> 8);
    }

    private int ReadLatched(int channel)
    {
        _pit.Write(0x43, 1, (uint)(channel << 6));
        ushort port = (ushort)(0x40 + channel);
        return (int)_pit.Read(port, 1) | ((int)_pit.Read(port, 1) << 8);
    }
}
