using Rig.Protocol;
using Rig.Suites.Apic.Oracles;

namespace Rig.Suites.Tests.Apic;

public class TimerDeliveryRulesTests
{
    private static TimerArming Arming(string mode, int periodUs, int endUs, string ticks, string gaps = "none", int writeUs = 30) =>
        TimerArming.From(RecordParser.TryParse(
            $"RIG tarm apic=xapic mode={mode} period_us={periodUs} write_us={writeUs} end_us={endUs} ticks={ticks} gaps={gaps} stolen_us=0")!);

    /// <summary>Ticks at each boundary plus <paramref name="lateUs"/>, for <paramref name="count"/> periods of 1000 µs.</summary>
    private static string Ticks(int count, int lateUs = 80, double rate = 1.0) =>
        string.Join(',', Enumerable.Range(1, count).Select(k => ((int)(k * 1000 * rate) + 30 + lateUs).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static IReadOnlyList<string> Problems(params TimerArming[] armings) => TimerDeliveryRules.Check(armings).Problems;

    [Fact]
    public void Punctual_timers_of_every_mode_pass()
    {
        var finding = TimerDeliveryRules.Check(
        [
            Arming("periodic", 1000, 22_000, Ticks(21)),
            Arming("oneshot", 500, 2_100, "600"),
            Arming("tsc-deadline", 500, 2_100, "540"),
            Arming("masked", 500, 100_500, "none"),
        ]);

        Assert.Empty(finding.Problems);
        Assert.Equal(23, finding.Lateness.Count);
        Assert.Equal(110, finding.Lateness[0].LateUs);
    }

    [Fact]
    public void A_periodic_timer_at_half_its_rate_fails_while_the_vcpu_runs() =>
        Assert.Contains("boundary 3 (due by 3080 µs) had no interrupt of its own before the next was due",
            Assert.Single(Problems(Arming("periodic", 1000, 22_000, Ticks(10, rate: 2.0)))), StringComparison.Ordinal);

    [Fact]
    public void A_periodic_timer_ten_percent_slow_fails() =>
        Assert.Contains("late or lost while the vCPU ran", Assert.Single(Problems(Arming("periodic", 1000, 22_000, Ticks(19, rate: 1.1)))), StringComparison.Ordinal);

    [Fact]
    public void A_periodic_timer_at_twice_its_rate_fails_as_early() =>
        Assert.Contains("interrupt 1 came 610 µs after the arming, before 1 period(s)",
            Assert.Single(Problems(Arming("periodic", 1000, 22_000, Ticks(42, rate: 0.5)))), StringComparison.Ordinal);

    [Fact]
    public void Ticks_merged_while_the_probe_was_descheduled_are_excused()
    {
        // The vCPU did not run from 3.5 ms to 9.2 ms: boundaries 4-9 merge into the one interrupt delivered as it resumed.
        var ticks = "1110,2110,3110,9250,10110,11110,12110,13110";
        Assert.Empty(Problems(Arming("periodic", 1000, 14_000, ticks, gaps: "3500+5700")));
    }

    [Fact]
    public void The_same_ticks_lost_while_the_vcpu_ran_fail()
    {
        var ticks = "1110,2110,3110,9250,10110,11110,12110,13110";
        Assert.Contains("5 of 13 periods late or lost", Assert.Single(Problems(Arming("periodic", 1000, 14_000, ticks))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_periodic_timer_that_stops_fails() =>
        Assert.Contains("late or lost", Assert.Single(Problems(Arming("periodic", 1000, 22_000, Ticks(5)))), StringComparison.Ordinal);

    [Theory]
    [InlineData("oneshot")]
    [InlineData("tsc-deadline")]
    public void A_deadline_late_only_while_the_probe_was_stopped_passes(string mode) =>
        Assert.Empty(Problems(Arming(mode, 500, 60_000, "48000", gaps: "700+47000")));

    [Theory]
    [InlineData("oneshot")]
    [InlineData("tsc-deadline")]
    public void A_deadline_late_while_the_vcpu_ran_fails(string mode) =>
        Assert.Contains("interrupt 1 came", Assert.Single(Problems(Arming(mode, 500, 2_000, "600"), Arming(mode, 500, 60_000, "48000", gaps: "700+3000"))), StringComparison.Ordinal);

    [Fact]
    public void The_first_interrupt_of_a_mode_may_be_late_but_must_come()
    {
        Assert.Empty(Problems(Arming("oneshot", 500, 6_000, "4000"), Arming("oneshot", 500, 2_000, "600")));
        Assert.Single(Problems(Arming("oneshot", 500, 100_600, "none")));
        Assert.Empty(Problems(Arming("periodic", 1000, 6_000, "2100,3100,4100,5100")));
    }

    [Fact]
    public void A_one_shot_never_delivered_while_the_vcpu_ran_fails() =>
        Assert.Contains("no interrupt, though the vCPU ran", Assert.Single(Problems(Arming("oneshot", 500, 100_600, "none"))), StringComparison.Ordinal);

    [Fact]
    public void A_one_shot_the_probe_could_not_wait_for_is_not_judged_lost() =>
        Assert.Empty(Problems(Arming("oneshot", 500, 5_000_000, "none", gaps: "400+4999500")));

    [Fact]
    public void A_tsc_deadline_interrupt_before_the_deadline_fails() =>
        Assert.Contains("before 1 period(s) of 500 µs could have passed (500 µs)", Assert.Single(Problems(Arming("tsc-deadline", 500, 2_000, "499"))), StringComparison.Ordinal);

    [Fact]
    public void A_one_shot_delivered_at_the_initial_count_write_fails_as_early() =>
        Assert.Contains("interrupt 1 came 40 µs after the arming", Assert.Single(Problems(Arming("oneshot", 500, 2_000, "40"))), StringComparison.Ordinal);

    [Fact]
    public void Two_interrupts_for_one_arming_fail() =>
        Assert.Contains("2 interrupts for one arming", Assert.Single(Problems(Arming("oneshot", 500, 3_000, "560,1080"))), StringComparison.Ordinal);

    [Fact]
    public void A_masked_timer_that_delivers_fails() =>
        Assert.Contains("masked LVT", Assert.Single(Problems(Arming("masked", 500, 100_500, "560"))), StringComparison.Ordinal);
}
