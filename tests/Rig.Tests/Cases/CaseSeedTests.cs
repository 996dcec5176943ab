using Rig.Cases;

namespace Rig.Tests.Cases;

public sealed class CaseSeedTests
{
    [Fact]
    public void A_row_replays_its_seed_and_every_other_input_changes_it()
    {
        var seed = CaseSeed.For(424242, "time", "density", "reference", 0);
        Assert.Equal(seed, CaseSeed.For(424242, "time", "density", "reference", 0));
        Assert.True(seed >= 0);
        Assert.Equal(5, new[]
        {
            seed,
            CaseSeed.For(424243, "time", "density", "reference", 0),
            CaseSeed.For(424242, "time", "density", "qemu-tcg", 0),
            CaseSeed.For(424242, "time", "pause-resume", "reference", 0),
            CaseSeed.For(424242, "time", "density", "reference", 1),
        }.Distinct().Count());
    }
}
