using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Tests.KvmClock;

/// <summary>When per-vCPU TSC offset measurements may be one offset, and which one the vCPUs then share.</summary>
public sealed class TscOffsetMeasurementTests
{
    [Fact]
    public void Overlapping_measurements_share_the_lowest_offset_so_no_vcpu_is_seen_ahead()
    {
        Assert.Equal(-900, TscOffsetMeasurement.Common([new(-900, 600), new(-400, 300), new(-600, 200)]));
    }

    [Fact]
    public void Measurements_that_cannot_be_one_offset_are_not_matched()
    {
        // vCPU 1 is 50 000 ticks (20 us) behind: further apart than either bracket.
        Assert.Null(TscOffsetMeasurement.Common([new(0, 500), new(-50_000, 500)]));
    }

    [Fact]
    public void One_vcpu_is_matched_with_itself()
    {
        Assert.Equal(42, TscOffsetMeasurement.Common([new(42, 10)]));
    }
}
