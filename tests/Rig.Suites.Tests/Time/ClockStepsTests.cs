using Rig.Protocol;
using Rig.Suites.Time.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Time;

public class ClockStepsTests
{
    private static Record Steps(long back, double maxForwardNs, double spanNs = 2e9) =>
        Summed(
            $"RIG steps clock=xenclock cpu=1 reads=1000000 back={back} worst_back_ns={(back > 0 ? 10 : 0)} max_fwd_ns={maxForwardNs:0} " +
            $"span_ns={spanNs:0}" + (back > 0 ? " first_back_prev=300 first_back_now=290" : ""));

    /// <summary>The line with the <c>sum=</c> its numbers add up to, as the probe prints it.</summary>
    internal static Record Summed(string line) => RecordParser.TryParse($"{line} sum={ClockSteps.SumOf(RecordParser.TryParse(line)!)}")!;

    [Fact]
    public void A_record_whose_numbers_do_not_add_up_to_its_sum_lost_bytes_and_is_unreadable()
    {
        var whole = RecordParser.TryParse("RIG steps clock=tsc cpu=1 reads=10 back=0 worst_back_ns=0 max_fwd_ns=5 span_ns=100 sum=116")!;
        var lostDigit = RecordParser.TryParse("RIG steps clock=tsc cpu=1 reads=10 back=0 worst_back_ns=0 max_fwd_ns=5 span_ns=10 sum=116")!;
        var noSum = RecordParser.TryParse("RIG steps clock=tsc cpu=1 reads=10 back=0 worst_back_ns=0 max_fwd_ns=5 span_ns=100")!;

        Assert.Equal([lostDigit, noSum], ClockSteps.Unreadable([whole, lostDigit, noSum]));
        Assert.Empty(ClockSteps.Check([whole, lostDigit, noSum]));
    }

    [Fact]
    public void A_clean_check_passes() => Assert.Empty(ClockSteps.Check([Steps(0, 4e6)]));

    [Fact]
    public void One_backward_step_fails_with_its_size_and_values()
    {
        var problem = Assert.Single(ClockSteps.Check([Steps(1, 4e6)]));

        Assert.Contains("xenclock on vCPU 1 stepped back 1 times", problem);
        Assert.Contains("worst 10 ns (first: 300 then 290)", problem);
    }

    [Fact]
    public void A_seed_000_jump_of_centuries_fails_and_is_named_in_years()
    {
        // A negative delta of 1000 ticks scaled as unsigned at 2.5 GHz: 2^64 ticks / 2.5e9 Hz, about 233.8 years.
        double jump = Math.Pow(2, 64) / 2.5;

        Assert.Contains("jumped 233.8 years forward", Assert.Single(ClockSteps.Check([Steps(0, jump)])));
    }

    [Fact]
    public void A_step_as_long_as_a_descheduled_vcpu_waits_is_not_a_jump() =>
        Assert.Empty(ClockSteps.Check([Steps(0, 2e9 + ClockSteps.JumpSlackNs)]));

    [Fact]
    public void Steps_back_across_record_updates_without_the_stable_bit_are_evidence_not_failures()
    {
        // xen-tcg's PVH guest, session 13: xenclock back on one vCPU by up to 1.8 ms, Xen's records without the bit.
        var unpromised = Summed("RIG steps clock=xenclock cpu=2 reads=3200000 back=0 worst_back_ns=0 max_fwd_ns=4000000 span_ns=4000000000 " +
                                "back_unpromised=3 worst_back_unpromised_ns=1800000");

        Assert.Empty(ClockSteps.Check([unpromised]));
        var note = Assert.Single(ClockSteps.Unpromised([unpromised]));
        Assert.Contains("xenclock on vCPU 2 stepped back 3 times, worst 1.8 ms, each across a record update without PVCLOCK_TSC_STABLE_BIT", note);
    }

    [Fact]
    public void A_step_back_within_a_record_fails_beside_the_unpromised_ones()
    {
        var both = Summed("RIG steps clock=xenclock cpu=0 reads=1000 back=1 worst_back_ns=10 max_fwd_ns=4000 span_ns=2000000000 " +
                          "first_back_prev=300 first_back_now=290 back_unpromised=2 worst_back_unpromised_ns=900");

        Assert.Contains("xenclock on vCPU 0 stepped back 1 times", Assert.Single(ClockSteps.Check([both])));
        Assert.Empty(ClockSteps.Unpromised([Steps(1, 4e6)]));
    }

    [Theory]
    [InlineData("RIG steps clock=kvmclock cpu=0 reads=1000 back=0 worst_back_ns=0 max_fwd_ns=4000 span_ns=2000000000 fir")]
    [InlineData("RIG steps clock=kvmclock cpu=0 reads=1000 back=0 worst_back_ns=0 max_fw")]
    [InlineData("RIG steps clock=kvmclock cpu=0 reads=1000 back=0 worst_back_ns=0 max_fwd_ns=")]
    public void A_truncated_record_is_unreadable_not_judged_and_never_throws(string line)
    {
        var truncated = RecordParser.TryParse(line)!;

        Assert.Empty(ClockSteps.Check([truncated, Steps(0, 4e6)]));
        Assert.Same(truncated, Assert.Single(ClockSteps.Unreadable([truncated, Steps(0, 4e6)])));
    }
}
