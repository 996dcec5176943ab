using Rig.Suites.Time.Oracles;

namespace Rig.Suites.Tests.Time;

public class PauseRevertDriftTests
{
    [Fact]
    public void Frozen_or_host_following_clocks_pass_a_pause() =>
        Assert.Empty(PauseJumps.Check([new("kvmclock", 5e6, 7e6, 3e3), new("tsc", 5e6, 7e6, 7e6)], marginNs: 1e6));

    [Fact]
    public void Backward_and_oversized_pause_steps_fail()
    {
        var p = PauseJumps.Check([new("tsc", 5e6, 7e6, -1e3), new("xenclock", 5e6, 7e6, 9e6)], marginNs: 1e6);

        Assert.Equal(2, p.Count);
        Assert.Contains("tsc stepped back 1 us", p[0]);
        Assert.Contains("xenclock jumped 9 ms across a 5 ms pause (guest bracket 7 ms", p[1]);
    }

    [Fact]
    public void A_revert_that_jumps_years_is_named_in_years()
    {
        double years = 300 * 365.25 * 86400e9;

        Assert.Contains("xenclock 300 years past the snapshot", Assert.Single(RevertContinuity.Check([new("xenclock", years, 2e9)], marginNs: 1e6)));
    }

    [Fact]
    public void A_continuous_revert_passes_and_a_backward_one_fails()
    {
        Assert.Empty(RevertContinuity.Check([new("kvmclock", 10, 2e9), new("xenclock", 2e9, 2e9)], marginNs: 1e6));
        Assert.Contains("before the snapshot", Assert.Single(RevertContinuity.Check([new("tsc", -1e8, 2e9)], 1e6)));
    }

    [Fact]
    public void Drift_of_a_clock_running_50_ppm_fast_is_measured_and_within_tolerance()
    {
        var x = Enumerable.Range(0, 20).Select(i => new TimeExchange(i * 1e8, i * 1e8 * (1 + 50e-6), 20_000)).ToList();

        var d = Drift.Estimate(x);

        Assert.Equal(50, d.Ppm, 6);
        // Σ|h - mean| / Σ(h - mean)² over 20 exchanges 0.1 s apart is (100 / 665) / 0.1 s; times rtt / 2 = 10 µs.
        Assert.Equal(100.0 / 665 / 1e8 * 1e4 * 1e6, d.ErrorPpm, 6);
        Assert.Null(Drift.Check("tsc", d));
    }

    [Fact]
    public void Drift_beyond_ntp_tolerance_fails_only_beyond_its_error_bound()
    {
        DriftEstimate Run(double ppm, double rttNs) =>
            Drift.Estimate(Enumerable.Range(0, 20).Select(i => new TimeExchange(i * 1e9, i * 1e9 * (1 + (ppm * 1e-6)), rttNs)).ToList());

        Assert.Contains("drifts 2000 ppm", Drift.Check("tsc", Run(2000, 20_000)));
        Assert.Null(Drift.Check("tsc", Run(600, 5e6)));
    }

    [Theory]
    [InlineData("cpuid15", true)]
    [InlineData("cpuid16", true)]
    [InlineData("hv-leaf", true)]
    [InlineData("kvmclock", true)]
    [InlineData("xen-leaf", true)]
    [InlineData("pit", false)]
    [InlineData("none", false)]
    [InlineData(null, false)]
    public void Only_a_tsc_frequency_the_target_advertises_makes_tsc_drift_the_targets(string? from, bool advertised) =>
        Assert.Equal(advertised, Drift.IsAdvertised(from));

    [Fact]
    public void A_long_round_trip_in_the_middle_widens_the_bound_instead_of_faking_drift()
    {
        // A true 0 ppm clock; exchange 5 waited 200 ms for the host, so its guest midpoint is 100 ms off its host time.
        var x = Enumerable.Range(0, 20)
            .Select(i => i == 5 ? new TimeExchange(i * 1e9, (i * 1e9) - 1e8, 2e8) : new TimeExchange(i * 1e9, i * 1e9, 20_000))
            .ToList();
        var d = Drift.Estimate(x);

        Assert.True(Math.Abs(d.Ppm) > Drift.NtpTolerancePpm, $"the slope alone looks like {d.Ppm:0} ppm");
        Assert.Null(Drift.Check("tsc", d));
    }

    [Fact]
    public void Drift_needs_two_distinct_exchanges() =>
        Assert.Throws<ArgumentException>(() => Drift.Estimate([new TimeExchange(1, 1, 1)]));
}
