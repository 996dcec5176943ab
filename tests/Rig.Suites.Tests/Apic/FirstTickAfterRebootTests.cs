using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class FirstTickAfterRebootTests
{
    private static Record Tick(int boot, string firstTick, string source = "lapic") =>
        RecordParser.TryParse($"RIG tick boot={boot} source={source} period_us=1000 first_tick_us={firstTick} waited_us=3000000 why=no-acpi-hpet-table")!;

    [Fact]
    public void Prompt_ticks_on_every_boot_pass()
    {
        var f = FirstTickAfterReboot.Check([Tick(2, "950"), Tick(3, "1020"), Tick(4, "1500")], expectedBoots: 3, slackUs: 500);
        Assert.Empty(f.Problems);
        Assert.Equal([950.0, 1020, 1500], f.LatenciesUs);
    }

    [Fact]
    public void A_boot_that_never_ticks_fails_like_seed_001()
    {
        var f = FirstTickAfterReboot.Check([Tick(2, "950"), Tick(3, "none")], expectedBoots: 2, slackUs: 500);
        Assert.Contains("boot 3: lapic never ticked", Assert.Single(f.Problems));
    }

    [Fact]
    public void A_tick_beyond_two_periods_and_slack_fails()
    {
        var f = FirstTickAfterReboot.Check([Tick(2, "2501", "pit")], expectedBoots: 1, slackUs: 500);
        Assert.Contains("bound 2500 us", Assert.Single(f.Problems));
    }

    [Fact]
    public void A_tick_late_only_while_the_vcpu_was_descheduled_passes()
    {
        var late = RecordParser.TryParse("RIG tick boot=2 source=hpet period_us=1000 first_tick_us=1124109 ran_us=1400 stolen_us=1122700")!;
        Assert.Empty(FirstTickAfterReboot.Check([late], expectedBoots: 1, slackUs: 500).Problems);
    }

    [Fact]
    public void A_tick_late_while_the_vcpu_ran_fails()
    {
        var late = RecordParser.TryParse("RIG tick boot=2 source=hpet period_us=1000 first_tick_us=1124109 ran_us=90000 stolen_us=1034109")!;
        Assert.Contains("of which the vCPU ran 90000 us, bound 2500 us", Assert.Single(FirstTickAfterReboot.Check([late], expectedBoots: 1, slackUs: 500).Problems));
    }

    [Fact]
    public void Missing_boots_are_reported()
    {
        var f = FirstTickAfterReboot.Check([Tick(2, "900")], expectedBoots: 5, slackUs: 500);
        Assert.Equal("only 1 of 5 boots reported a tick", Assert.Single(f.Problems));
    }

    [Fact]
    public void A_clock_the_target_lacks_is_noted_not_judged()
    {
        var f = FirstTickAfterReboot.Check(
            [Tick(2, "900"), Tick(2, "unarmed", "hpet"), Tick(3, "950"), Tick(3, "unarmed", "hpet")], expectedBoots: 2, slackUs: 500);
        Assert.Empty(f.Problems);
        Assert.Equal("hpet not armed in 2 boots: no-acpi-hpet-table", Assert.Single(f.Unarmed));
    }

    [Fact]
    public void A_clock_that_disappears_after_a_reset_fails()
    {
        var f = FirstTickAfterReboot.Check([Tick(2, "900", "hpet"), Tick(3, "unarmed", "hpet")], expectedBoots: 2, slackUs: 500);
        Assert.Contains("hpet could not be armed in 1 boots (no-acpi-hpet-table) but was in others", Assert.Single(f.Problems));
    }
}
