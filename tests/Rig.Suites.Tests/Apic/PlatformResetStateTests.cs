using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class PlatformResetStateTests
{
    private const string Pic = "master_imr=0x0 master_irr=0x1 master_isr=0x0 slave_imr=0x0 slave_irr=0x0 slave_isr=0x0 took_mask=1";
    private const string Hpet = "present=1 running=0 config=0x0 t0_config=0x30 t0_comparator=0xffffffffffffffff t1_config=0x0 t1_comparator=0xffffffffffffffff";

    private static Record R(string line) => RecordParser.TryParse("RIG " + line)!;

    /// <summary>Power-on readings, then readings after system_reset: the <paramref name="kind"/> one is <paramref name="afterReset"/>.</summary>
    private static Record[] Boots(string kind, string afterReset) =>
    [
        R("pit after=power-on status0=0x36 status1=0x36 status2=0x36"),
        R($"pic after=power-on {Pic}"),
        R($"hpet after=power-on {Hpet}"),
        R(kind == "pit" ? $"pit after=system_reset {afterReset}" : "pit after=system_reset status0=0xb6 status1=0x36 status2=0x36"),
        R(kind == "pic" ? $"pic after=system_reset {afterReset}" : $"pic after=system_reset {Pic}"),
        R(kind == "hpet" ? $"hpet after=system_reset {afterReset}" : $"hpet after=system_reset {Hpet}"),
    ];

    [Fact]
    public void A_platform_back_in_its_power_on_state_passes_whatever_the_output_bits_show() =>
        Assert.Empty(PlatformResetState.Check(Boots("none", "")));

    [Fact]
    public void A_PIT_counter_still_in_the_mode_the_previous_boot_programmed_fails() =>
        Assert.Contains("counter 0 reads back mode 2 (status 0x34), at power-on mode 3", Assert.Single(PlatformResetState.Check(
            Boots("pit", "status0=0x34 status1=0x36 status2=0x36"))), StringComparison.Ordinal);

    [Fact]
    public void An_access_field_kept_across_the_reset_is_noted_not_failed()
    {
        // QEMU 7.2: power-on status 0x06 (mode 3, access 0); after a reset the access the previous boot wrote (3) remains.
        Record[] records =
        [
            R("pit after=power-on status0=0x6 status1=0x6 status2=0x6"), R($"pic after=power-on {Pic}"), R($"hpet after=power-on {Hpet}"),
            R("pit after=system_reset status0=0xb6 status1=0x86 status2=0x36"), R($"pic after=system_reset {Pic}"),
            R($"hpet after=system_reset {Hpet}"),
        ];
        Assert.Empty(PlatformResetState.Check(records));
        Assert.Equal(2, PlatformResetState.Notes(records).Count);
        Assert.Contains("counter 0 access field 3 kept from the previous boot", PlatformResetState.Notes(records)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_PIC_left_inside_its_initialization_sequence_fails() =>
        Assert.Contains("initialization sequence", Assert.Single(PlatformResetState.Check(
            Boots("pic", Pic.Replace("took_mask=1", "took_mask=0", StringComparison.Ordinal)))), StringComparison.Ordinal);

    [Fact]
    public void A_PIC_mask_kept_across_the_reset_fails() =>
        Assert.Contains("master IMR 0xff", Assert.Single(PlatformResetState.Check(
            Boots("pic", Pic.Replace("master_imr=0x0", "master_imr=0xff", StringComparison.Ordinal)))), StringComparison.Ordinal);

    [Fact]
    public void An_HPET_still_running_with_its_timer_armed_fails()
    {
        var problems = PlatformResetState.Check(Boots("hpet",
            "present=1 running=1 config=0x3 t0_config=0x14c t0_comparator=0x186a0 t1_config=0x0 t1_comparator=0xffffffffffffffff"));
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("not halted", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("LEG_RT_CNF", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("timer 0 configuration 0x14c", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("t0_comparator 0x186a0", StringComparison.Ordinal));
    }

    [Fact]
    public void A_target_without_an_HPET_passes_as_long_as_it_never_has_one()
    {
        Record[] records =
        [
            R("pit after=power-on status0=0x36 status1=0x36 status2=0x36"), R($"pic after=power-on {Pic}"),
            R("hpet after=power-on present=0 why=no-acpi-hpet-table"),
            R("pit after=kbd status0=0x36 status1=0x36 status2=0x36"), R($"pic after=kbd {Pic}"),
            R("hpet after=kbd present=0 why=no-acpi-hpet-table"),
        ];
        Assert.Empty(PlatformResetState.Check(records));
    }

    [Fact]
    public void Missing_readings_fail() =>
        Assert.Equal(["pit: the probe printed no power-on reading", "pic: the probe printed no reading after a reset"],
            PlatformResetState.Check([R("pit after=cf9 status0=0x36 status1=0x36 status2=0x36"), R($"pic after=power-on {Pic}"),
                R($"hpet after=power-on {Hpet}"), R($"hpet after=cf9 {Hpet}")]));
}
