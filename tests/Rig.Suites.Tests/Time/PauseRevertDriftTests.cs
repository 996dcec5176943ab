using Rig.Suites.Time.Oracles;

namespace Rig.Suites.Tests.Time;

public class PauseRevertDriftTests
{
    [Fact]
    public void Frozen_or_host_following_clocks_pass_a_pause()
    {
        Assert.Empty(PauseJumps.Check([new(5000, 3), new(5000, 5010)], marginUs: 200));
    }

    [Fact]
    public void Backward_and_oversized_pause_steps_fail()
    {
        var p = PauseJumps.Check([new(5000, -1), new(5000, 9000)], marginUs: 200);
        Assert.Equal(2, p.Count);
        Assert.Contains("stepped back", p[0]);
        Assert.Contains("jumped 9000 us", p[1]);
    }

    [Fact]
    public void A_revert_that_jumps_years_is_named_in_years()
    {
        double years = 300 * 365.25 * 86400e9;
        var p = RevertContinuity.Check([new(1e9, 1e9 + years, 2e9)], marginNs: 1e6);
        Assert.Contains("300 years", Assert.Single(p));
    }

    [Fact]
    public void A_continuous_revert_passes_and_a_backward_one_fails()
    {
        Assert.Empty(RevertContinuity.Check([new(1e9, 1e9 + 10, 2e9)], marginNs: 1e6));
        Assert.Contains("before the snapshot", Assert.Single(RevertContinuity.Check([new(1e9, 0.9e9, 2e9)], 1e6)));
    }

    [Fact]
    public void Drift_of_a_clock_running_50_ppm_fast_is_measured()
    {
        var x = Enumerable.Range(0, 20).Select(i => new TimeExchange(i * 1e8, i * 1e8 * (1 + 50e-6), 20_000)).ToList();
        var d = Drift.Estimate(x);
        Assert.Equal(50, d.Ppm, 6);
        Assert.True(d.ErrorPpm < 11, $"error bound {d.ErrorPpm}");
    }

    [Fact]
    public void Drift_needs_two_distinct_exchanges() =>
        Assert.Throws<ArgumentException>(() => Drift.Estimate([new TimeExchange(1, 1, 1)]));
}
