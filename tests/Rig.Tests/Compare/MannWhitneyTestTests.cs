using Rig.Compare;

namespace Rig.Tests.Compare;

public sealed class MannWhitneyTestTests
{
    [Fact]
    public void SeparatedSamplesMatchTheTextbookValue()
    {
        // Hand-computed: U = 0, mean 12.5, variance 25 * 11 / 12, continuity-corrected z = 12 / 4.787 = 2.507,
        // two-sided p = 0.01219 (SciPy's mannwhitneyu, asymptotic with continuity, agrees).
        var test = MannWhitneyTest.Of(baseline: [6, 7, 8, 9, 10], current: [1, 2, 3, 4, 5]);
        Assert.Equal(0, test.U);
        Assert.Equal(-2.5067, test.Z, 3);
        Assert.Equal(0.01219, test.PValue, 4);
    }

    [Fact]
    public void TiesReduceTheVariance()
    {
        var test = MannWhitneyTest.Of(baseline: [1, 1, 2, 2], current: [2, 2, 3, 3]);
        // Ranks of current: 2,2 share ranks 3..6 → 4.5 each; 3,3 → 7.5 each; R = 24, U = 14, mean 8.
        Assert.Equal(14, test.U);
        Assert.True(test.Z > 0);
    }

    [Fact]
    public void AllValuesEqualIsNoEvidence() =>
        Assert.Equal(1, MannWhitneyTest.Of([3, 3, 3], [3, 3]).PValue);

    [Fact]
    public void AnEmptySampleIsRefused() =>
        Assert.Throws<ArgumentException>(() => MannWhitneyTest.Of([], [1]));
}
