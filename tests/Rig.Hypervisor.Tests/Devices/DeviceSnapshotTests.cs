using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Devices;
using Rig.Hypervisor.Irq;
using Rig.Hypervisor.Tests.Irq;

namespace Rig.Hypervisor.Tests.Devices;

/// <summary>
/// Each device saves and restores its own state: what the guest programs after a save is gone after the restore, and
/// counts continue from where they were at the save however long the host waited in between (virtual time).
/// </summary>
public sealed class DeviceSnapshotTests
{
    private readonly FakeGuestClock _clock = new();
    private readonly TimerQueue _timers;
    private readonly List<bool> _irq0 = [];

    public DeviceSnapshotTests() => _timers = new TimerQueue(_clock, background: false);

    [Fact]
    public void Pit_restore_undoes_a_later_programming_and_the_count_goes_on_from_the_save()
    {
        var pit = new Pit8254(_clock, _timers, _irq0.Add);
        pit.Write(0x43, 1, 0x34); // channel 0, lobyte/hibyte, mode 2 (rate generator)
        pit.Write(0x40, 1, 10_000 & 0xFF);
        pit.Write(0x40, 1, 10_000 >> 8);
        _clock.Advance(1_000_000); // 1193 input clocks into the count
        var saved = pit.Save();
        ushort countAtSave = LatchedCount(pit);

        pit.Write(0x43, 1, 0x30); // the guest goes on: mode 0, a new count
        pit.Write(0x40, 1, 0x00);
        pit.Write(0x40, 1, 0x01);
        _clock.Advance(50_000_000);
        pit.Restore(saved);

        Assert.Equal(countAtSave, LatchedCount(pit));
        int pulses = _irq0.Count(level => level);
        _clock.Advance((long)((10_000 - 1193) * 1e9 / Pit8254.InputHz) + 1_000);
        _timers.RunDue();
        Assert.Equal(pulses + 1, _irq0.Count(level => level)); // the rate generator's next edge, one period from its start
    }

    [Fact]
    public void Hpet_restore_halts_a_counter_the_guest_started_after_the_save()
    {
        var pins = new List<(int Pin, bool Level)>();
        var hpet = new Hpet(_clock, _timers, (pin, level) => pins.Add((pin, level)), (_, _) => { });
        var saved = hpet.Save(); // as after RESET: halted, counter 0

        hpet.Write(0x100, 4, 0x4 | (20 << 9)); // timer 0 enabled, routed to pin 20
        hpet.Write(0x108, 8, 1_000);
        hpet.Write(0x010, 4, 1); // ENABLE_CNF
        _clock.Advance(5_000);
        hpet.Restore(saved);

        Assert.Equal(0UL, hpet.Read(0x010, 8));
        Assert.Equal(0UL, hpet.Read(0x0F0, 8));
        _clock.Advance(100_000);
        Assert.Equal(0, _timers.RunDue());
        Assert.Empty(pins);
    }

    [Fact]
    public void Hpet_counter_continues_from_its_saved_value_and_the_comparator_fires_on_time()
    {
        var pins = new List<(int Pin, bool Level)>();
        var hpet = new Hpet(_clock, _timers, (pin, level) => pins.Add((pin, level)), (_, _) => { });
        hpet.Write(0x100, 4, 0x4 | (20 << 9));
        hpet.Write(0x108, 8, 1_000); // 10 us at 100 MHz
        hpet.Write(0x010, 4, 1);
        _clock.Advance(4_000); // counter 400
        var saved = hpet.Save();
        _clock.Advance(1_000_000_000);
        hpet.Restore(saved);

        Assert.Equal(400UL, hpet.Read(0x0F0, 8));
        _clock.Advance(5_990);
        Assert.Equal(0, _timers.RunDue());
        _clock.Advance(10);
        Assert.Equal(1, _timers.RunDue());
        Assert.Equal([(20, true), (20, false)], pins);
    }

    [Fact]
    public void IoApic_restore_masks_a_route_unmasked_after_the_save()
    {
        var ioApic = new IoApic(new ApicBus(), DefectSet.None, id: 0);
        var saved = ioApic.Save();
        ioApic.Write(0x00, 4, 0x10 + (2 * 4)); // redirection entry 4, low half
        ioApic.Write(0x10, 4, 0x40); // vector 0x40, unmasked
        Assert.Equal(0x40UL, ioApic.RedirectionEntry(4));

        ioApic.Restore(saved);

        Assert.Equal(1UL << 16, ioApic.RedirectionEntry(4));
        Assert.Equal(0UL, ioApic.Read(0x00, 4));
    }

    [Fact]
    public void Pic_restore_brings_back_the_initialised_chips_and_their_masks()
    {
        var pic = new Pic8259(bus: null);
        pic.Write(0x20, 1, 0x11); // ICW1, ICW4 needed
        pic.Write(0x21, 1, 0x20); // ICW2: vectors 0x20-0x27
        pic.Write(0x21, 1, 0x04); // ICW3
        pic.Write(0x21, 1, 0x01); // ICW4: 8086 mode
        pic.Write(0x21, 1, 0xFB); // OCW1: everything but the cascade masked
        var saved = pic.Save();
        pic.Reset();
        pic.Write(0x21, 1, 0x00);

        pic.Restore(saved);

        Assert.Equal(0xFBu, pic.Read(0x21, 1));
        pic.SetIrq(0, true);
        Assert.False(pic.HasInterrupt); // IRQ0 is masked again
    }

    [Fact]
    public void Cmos_restore_brings_back_the_nvram_and_index()
    {
        var cmos = new CmosRtc();
        cmos.Write(0x70, 1, 0x40);
        cmos.Write(0x71, 1, 7);
        var saved = cmos.Save();
        cmos.Write(0x71, 1, 8);
        cmos.Write(0x70, 1, 0x41);

        cmos.Restore(saved);

        Assert.Equal(7, cmos[0x40]);
        Assert.Equal(0x40u, cmos.Read(0x70, 1));
    }

    [Fact]
    public void Malformed_states_are_rejected_and_the_old_state_kept()
    {
        var pit = new Pit8254(_clock, _timers, _irq0.Add);
        var ioApic = new IoApic(new ApicBus(), DefectSet.None, id: 0);
        var hpet = new Hpet(_clock, _timers, (_, _) => { }, (_, _) => { });
        var cmos = new CmosRtc();
        var pic = new Pic8259(bus: null);

        Assert.Throws<ArgumentException>(() => pit.Restore(pit.Save() with { Channels = [] }));
        Assert.Throws<ArgumentException>(() => ioApic.Restore(ioApic.Save() with { Redirection = new ulong[3] }));
        Assert.Throws<ArgumentException>(() => hpet.Restore(hpet.Save() with { Timers = [] }));
        Assert.Throws<ArgumentException>(() => cmos.Restore(cmos.Save() with { Bytes = new byte[5] }));
        Assert.Throws<ArgumentException>(() => pic.Restore(pic.Save() with { Master = pic.Save().Master with { InitStep = 9 } }));
        Assert.Equal(1UL << 16, ioApic.RedirectionEntry(0));
    }

    private static ushort LatchedCount(Pit8254 pit)
    {
        pit.Write(0x43, 1, 0x00); // counter latch, channel 0
        return (ushort)(pit.Read(0x40, 1) | (pit.Read(0x40, 1) << 8));
    }
}
