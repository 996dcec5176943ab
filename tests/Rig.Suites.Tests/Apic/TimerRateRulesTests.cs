using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class TimerRateRulesTests
{
    private static Record Sample(string mode, long lateUs, string apic = "xapic") =>
        RecordParser.TryParse($"RIG tsample apic={apic} mode={mode} period_us=500 late_ns={lateUs * 1000}")!;

    private static Record[] Samples(string mode, params long[] lateUs) => [.. lateUs.Select(l => Sample(mode, l))];

    [Fact]
    public void Timers_delayed_by_a_loaded_host_pass_while_one_delivery_per_mode_is_on_time() =>
        Assert.Empty(TimerRateRules.Check(
        [
            .. Samples("periodic", 4_000, -450, 30, 2_500, 900),
            .. Samples("oneshot", 3_000, 12_000, 420, 9_000),
            .. Samples("tsc-deadline", 140, 18_000, 9_000),
        ]));

    [Fact]
    public void A_500_us_periodic_timer_rounded_up_to_whole_milliseconds_fails()
    {
        // rig-hv before its timerfd wait: every wait rounded up to a whole millisecond, late ticks catching up at once.
        var problem = Assert.Single(TimerRateRules.Check(Samples("periodic", 500, 480, -490, 510, -480, 505)));

        Assert.Contains("periodic (xapic): no interval within ±25 % of the 500 µs period, the closest was 980 µs", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_periodic_timer_running_at_twice_the_rate_fails() =>
        Assert.Single(TimerRateRules.Check(Samples("periodic", -250, -240, -260)));

    [Theory]
    [InlineData("oneshot")]
    [InlineData("tsc-deadline")]
    public void A_deadline_kept_more_than_one_period_late_every_time_fails(string mode) =>
        Assert.Contains("came 600 µs after its due time, more than the 500 µs", Assert.Single(TimerRateRules.Check(Samples(mode, 1_100, 2_200, 600))), StringComparison.Ordinal);

    [Fact]
    public void Each_apic_mode_is_judged_on_its_own()
    {
        Record[] samples = [.. Samples("oneshot", 100, 120, 110), Sample("oneshot", 1_500, "x2apic"), Sample("oneshot", 1_600, "x2apic")];

        Assert.Contains("oneshot (x2apic)", Assert.Single(TimerRateRules.Check(samples)), StringComparison.Ordinal);
    }
}
