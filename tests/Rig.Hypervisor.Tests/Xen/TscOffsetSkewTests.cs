using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

public sealed class TscOffsetSkewTests
{
    private const ulong TscHz = 2_446_000_000;

    [Fact]
    public void Without_the_defect_every_vcpu_gets_the_tsc_intended()
    {
        Assert.Equal(5_000_000UL, TscOffsetSkew.Apply(DefectSet.None, 1, 5_000_000, TscHz));
    }

    [Fact]
    public void With_the_defect_vcpu_1_is_set_20_microseconds_behind_and_vcpu_0_is_not()
    {
        var defects = new DefectSet();
        defects.Enable(DefectCatalog.TscOffsetSkew);

        Assert.Equal(5_000_000UL, TscOffsetSkew.Apply(defects, 0, 5_000_000, TscHz));
        Assert.Equal(5_000_000UL - 48_920, TscOffsetSkew.Apply(defects, 1, 5_000_000, TscHz));
    }

    [Fact]
    public void Both_time_defects_are_in_the_catalog_for_seed_000()
    {
        Assert.Equal("000", DefectCatalog.Find("unsigned-scale-delta")?.Seed);
        Assert.Equal("000", DefectCatalog.Find("tsc-offset-skew")?.Seed);
    }
}
