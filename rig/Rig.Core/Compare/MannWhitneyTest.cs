using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Rig.Compare;

/// <summary>
/// The Mann–Whitney U test (Wilcoxon rank-sum): did one sample's values tend to be larger than the other's?
/// Rank-based, so it assumes no distribution shape (latencies are skewed, with long tails). Normal
/// approximation with tie correction and continuity correction, which errs towards "not significant"
/// for small samples. Ranks and the normal distribution come from MathNet.Numerics, which has no
/// hypothesis tests of its own.
/// </summary>
public sealed record MannWhitneyTest(double U, double Z, double PValue)
{
    public static MannWhitneyTest Of(IReadOnlyList<double> baseline, IReadOnlyList<double> current)
    {
        int n1 = current.Count, n2 = baseline.Count;
        if (n1 == 0 || n2 == 0)
        {
            throw new ArgumentException("both samples need at least one value");
        }

        double n = n1 + n2;
        var ranks = Statistics.Ranks(current.Concat(baseline), RankDefinition.Average);
        var rankSum = ranks.Take(n1).Sum();
        var u = rankSum - (n1 * (n1 + 1.0) / 2);
        var mean = n1 * (double)n2 / 2;

        // Tied values shrink the variance of U: sum of (t^3 - t) over each group of t equal values.
        var ties = current.Concat(baseline).GroupBy(v => v).Sum(g => Math.Pow(g.Count(), 3) - g.Count());
        var variance = n1 * (double)n2 / 12 * ((n + 1) - (ties / (n * (n - 1))));
        if (!(variance > 0))
        {
            return new MannWhitneyTest(u, 0, 1); // every value equal: no evidence of any shift
        }

        var z = Math.Max(0, Math.Abs(u - mean) - 0.5) / Math.Sqrt(variance) * Math.Sign(u - mean);
        var p = Math.Min(1, 2 * (1 - Normal.CDF(0, 1, Math.Abs(z))));
        return new MannWhitneyTest(u, z, p);
    }
}
