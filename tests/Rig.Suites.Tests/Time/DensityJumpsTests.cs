using Rig.Suites.Time.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Time;

public class DensityJumpsTests
{
    private const double Hold = 300e6;
    private const double Margin = 20e6;

    private static Record Steps(string clock, int cpu, double maxForwardNs, double? excessNs = null) =>
        ClockStepsTests.Summed(
            $"RIG steps clock={clock} cpu={cpu} reads=1000 back=0 worst_back_ns=0 max_fwd_ns={maxForwardNs:0} span_ns=30000000000" +
            (excessNs is { } e ? $" max_excess_ns={e:0}" : ""));

    [Fact]
    public void Steps_within_the_longest_hold_pass_and_a_descheduled_vcpu_is_allowed_its_slack() =>
        Assert.Empty(DensityJumps.Check(
            [Steps("tsc", 0, Hold + 2e9), Steps("kvmclock", 0, Hold + 2e9, excessNs: 40e3), Steps("xenclock", 1, 5e6, excessNs: Hold)], Hold, Margin));

    [Fact]
    public void A_pvclock_running_ahead_of_its_tsc_beyond_the_hold_fails_even_when_its_step_is_short()
    {
        var problem = Assert.Single(DensityJumps.Check([Steps("kvmclock", 2, 1e9, excessNs: Hold + Margin + 1e6)], Hold, Margin));

        Assert.Contains("kvmclock on vCPU 2 ran 321 ms ahead of its own TSC", problem);
        Assert.Contains("at most 300 ms at a time", problem);
    }

    [Fact]
    public void A_seed_000_jump_fails_both_bounds_and_is_named_in_years()
    {
        double centuries = Math.Pow(2, 64) / 2.5;

        var problems = DensityJumps.Check([Steps("xenclock", 3, centuries, excessNs: centuries)], Hold, Margin);

        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Contains("233.8 years", p));
    }

    [Fact]
    public void A_tsc_step_beyond_hold_and_slack_fails()
    {
        var problem = Assert.Single(DensityJumps.Check([Steps("tsc", 1, Hold + DensityJumps.SchedulingSlackNs + 1e6)], Hold, Margin));

        Assert.Contains("tsc on vCPU 1 jumped", problem);
    }

    [Fact]
    public void Every_vcpu_must_report_each_clock_exactly_once()
    {
        var problems = DensityJumps.Coverage([Steps("tsc", 0, 1e6), Steps("tsc", 0, 1e6), Steps("tsc", 2, 1e6)], vcpus: 3);

        Assert.Equal(2, problems.Count);
        Assert.Contains("vCPU 1 reported no clock", problems[0]);
        Assert.Contains("tsc on vCPU 0 was reported 2 times", problems[1]);
    }
}
