using Rig.Cases;
using Rig.Protocol;
using Record = Rig.Protocol.Record;

namespace Rig.Tests.Cases;

/// <summary>A probe's skip for a missing interface fails the case only on a target that must offer that interface.</summary>
public sealed class TargetInterfacesTests
{
    private static readonly Record[] ReferenceWithoutXen =
    [
        RecordParser.TryParse("RIG ok time.pvclock-monotonic.kvmclock")!,
        RecordParser.TryParse("RIG skip time.pvclock-monotonic reason=no-xen-cpuid-leaves")!,
        RecordParser.TryParse("RIG skip time.pvclock-monotonic reason=rdtscp-absent")!,
        RecordParser.TryParse("RIG skip selftest.control reason=no-control-channel")!,
    ];

    [Fact]
    public void A_missing_xen_fails_where_xen_is_offered()
    {
        var missing = TargetInterfaces.MissingOffered(ReferenceWithoutXen, ["kvmclock", "xen"]);

        var (name, record) = Assert.Single(missing);
        Assert.Equal("xen", name);
        Assert.Equal("no-xen-cpuid-leaves", record["reason"]);
    }

    [Fact]
    public void The_same_skips_are_paths_the_target_lacks_where_nothing_is_offered() =>
        Assert.Empty(TargetInterfaces.MissingOffered(ReferenceWithoutXen, []));

    [Theory]
    [InlineData("lapic-lacks-eoi-broadcast-suppression")]
    [InlineData("ioapic-lacks-eoi-register")]
    public void Either_half_of_directed_EOI_missing_fails_where_directed_EOI_is_offered(string reason)
    {
        Record[] records = [RecordParser.TryParse($"RIG skip apic.io-apic.directed-eoi reason={reason}")!];

        Assert.Equal("directed-eoi", Assert.Single(TargetInterfaces.MissingOffered(records, ["kvmclock", "directed-eoi"])).Interface);
        Assert.Empty(TargetInterfaces.MissingOffered(records, ["kvmclock"]));
    }
}
