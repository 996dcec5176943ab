using Rig.Hypervisor.Coverage;

namespace Rig.Hypervisor.Tests.Coverage;

/// <summary>rig fuzz's feedback table: counts per site, pages in arrival order, and bounded whatever a guest sweeps.</summary>
public sealed class HandlerCoverageTests
{
    [Fact]
    public void Hits_of_one_site_are_counted_together_and_sites_paged_in_arrival_order()
    {
        var coverage = new HandlerCoverage();
        coverage.Hit("pio-out", "Uart16550", 0x3F801);
        coverage.Hit("msr-read", "refused", 0);
        coverage.Hit("pio-out", "Uart16550", 0x3F801);

        Assert.Equal(2, coverage.Count);
        Assert.Equal([(new CoverageSite("pio-out", "Uart16550", 0x3F801), 2L), (new CoverageSite("msr-read", "refused", 0), 1L)], coverage.Page(0, 10));
        Assert.Equal([(new CoverageSite("msr-read", "refused", 0), 1L)], coverage.Page(1, 10));
        Assert.Empty(coverage.Page(5, 10));
    }

    [Fact]
    public void A_guest_sweeping_sites_cannot_grow_the_table_past_its_bound()
    {
        var coverage = new HandlerCoverage();
        for (ulong i = 0; i < HandlerCoverage.MaxSites + 100; i++)
        {
            coverage.Hit("msr-read", "handled", i);
        }

        Assert.Equal(HandlerCoverage.MaxSites, coverage.Count);
        Assert.Equal(100, coverage.Dropped);
    }
}
