using Rig.Results;
using Rig.Store;

namespace Rig.Compare;

/// <summary>
/// How steady one case×target's verdict was over the repeats a release holds of it (DESIGN.md: "a flaky verdict is a
/// bug in the case"). The flake rate is the share of runs that disagree with the most common verdict: 0 for a steady
/// case, up to 1/2 for one that passes and fails alike.
/// </summary>
public sealed record VerdictStability(CaseKey Key, int Runs, IReadOnlyDictionary<Verdict, int> Seen)
{
    public double FlakeRate => Runs == 0 ? 0 : (Runs - Seen.Values.Max()) / (double)Runs;

    /// <summary>Both passed and failed (or errored) within the release: neither verdict can be trusted alone.</summary>
    public bool Flaky => Seen.ContainsKey(Verdict.Ok) && (Seen.ContainsKey(Verdict.Fail) || Seen.ContainsKey(Verdict.Error));

    /// <summary>More than one verdict, flaky or not (a skip that sometimes errors, a fail that sometimes errors).</summary>
    public bool Unsteady => Seen.Count > 1;

    /// <summary>One row per case×target of <paramref name="view"/>, in case then target order.</summary>
    public static IReadOnlyList<VerdictStability> Of(ReleaseView view) =>
        view.Results.GroupBy(CaseKey.Of)
            .Select(g => new VerdictStability(g.Key, g.Count(),
                g.GroupBy(r => r.Verdict).ToDictionary(v => v.Key, v => v.Count())))
            .OrderBy(s => s.Key.CaseName, StringComparer.Ordinal)
            .ThenBy(s => s.Key.Target, StringComparer.Ordinal)
            .ToList();
}
