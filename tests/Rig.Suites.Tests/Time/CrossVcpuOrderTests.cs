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
}
