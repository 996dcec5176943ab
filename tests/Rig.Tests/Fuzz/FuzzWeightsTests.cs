using Rig.Fuzz;

namespace Rig.Tests.Fuzz;

/// <summary>The weights word the probe reads, and coverage steering.</summary>
public sealed class FuzzWeightsTests
{
    [Fact]
    public void Default_weights_pack_as_the_probes_default_word()
    {
        // guest-probes/Runtime/FuzzLayout.cs DefaultWeights, as the probe reads it when weights= is absent.
        const ulong probeDefault = 16UL | 16UL << 6 | 8UL << 12 | 8UL << 18 | 12UL << 24 | 12UL << 30 | 12UL << 36 | 8UL << 42 | 2UL << 48;
        Assert.Equal(probeDefault, FuzzWeights.Default.Packed);
        Assert.Equal(FuzzWeights.Default.Values, FuzzWeights.Unpack(probeDefault).Values);
    }

    [Fact]
    public void An_interface_that_found_new_sites_doubles_and_the_rest_decay_towards_default()
    {
        var newSites = new int[FuzzInterfaces.Names.Count];
        newSites[6] = 3;
        var once = FuzzWeights.Default.Steer(newSites);
        Assert.Equal(24, once.Values[6]);
        Assert.Equal(16, once.Values[0]);

        var capped = Enumerable.Range(0, 5).Aggregate(FuzzWeights.Default, (w, _) => w.Steer(newSites));
        Assert.Equal(FuzzWeights.Max, capped.Values[6]);

        var quiet = new int[FuzzInterfaces.Names.Count];
        var decayed = capped.Steer(quiet);
        Assert.True(decayed.Values[6] < capped.Values[6] && decayed.Values[6] >= 12);
    }

    [Fact]
    public void Coverage_sites_map_to_the_interface_that_reaches_them()
    {
        Assert.Equal(7, FuzzInterfaces.Of("hypercall", "page", 32UL << 32));
        Assert.Equal(6, FuzzInterfaces.Of("hypercall", "page", 12UL << 32));
        Assert.Equal(8, FuzzInterfaces.Of("pio-out", "Uart16550", 0x2F8UL << 8 | 1));
        Assert.Equal(0, FuzzInterfaces.Of("pio-out", "Uart16550", 0x3F8UL << 8 | 1));
        Assert.Equal(5, FuzzInterfaces.Of("mmio-write", "IoApic", 0x10 << 8 | 4));
    }
}
