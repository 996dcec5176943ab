using Rig.Protocol;
using Rig.Suites.Time.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Time;

public class CrossVcpuOrderTests
{
    private static Record Warp(long warps, int stable) =>
        RecordParser.TryParse($"RIG warp clock=xenclock cpus=2 reads=5000000 warps={warps} max_warp_ns=19954 stable={stable}")!;

    [Fact]
    public void No_warp_passes() => Assert.Empty(CrossVcpuOrder.Check(Warp(0, 1)));

    [Fact]
    public void A_warp_of_a_clock_that_promises_order_fails_with_its_size() =>
        Assert.Contains("warped 99780 times in 5000000 ordered reads across 2 vCPUs, worst 19.954 us", Assert.Single(CrossVcpuOrder.Check(Warp(99780, 1))));

    [Fact]
    public void A_warp_of_a_clock_that_promises_nothing_is_not_a_failure() => Assert.Empty(CrossVcpuOrder.Check(Warp(5, 0)));

    private static Record Spread(long spreadNs, int stable) =>
        RecordParser.TryParse($"RIG warp clock=kvmclock cpus=2 reads=5000000 warps=0 max_warp_ns=0 stable={stable} record_spread_ns={spreadNs}")!;

    [Fact]
    public void Records_that_agree_within_rounding_pass() => Assert.Empty(CrossVcpuOrder.Check(Spread(2, 1)));

    [Fact]
    public void Records_a_skew_apart_fail_even_when_no_ordered_read_saw_a_warp() =>
        Assert.Contains("put one TSC value 20.34 us apart", Assert.Single(CrossVcpuOrder.Check(Spread(20_340, 1))));

    [Fact]
    public void Records_apart_without_the_stable_bit_are_not_a_failure() => Assert.Empty(CrossVcpuOrder.Check(Spread(20_340, 0)));
}
