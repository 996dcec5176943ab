using Rig.Results;
using Rig.Store;

namespace Rig.Compare;

/// <summary>
/// <c>rig mutate</c>'s verdict on the rig itself (DESIGN.md, "Seeded defects"): for each seeded defect, what
/// every case said on the reference hypervisor running with it. A defect is killed when at least one case
/// fails on it; an error is not a kill (the case could not judge). The clean reference must fail nothing,
/// otherwise a kill proves nothing.
/// </summary>
public sealed record KillMatrix(
    IReadOnlyList<string> Defects,
    IReadOnlyList<string> Cases,
    IReadOnlyDictionary<(string Defect, string Case), Verdict> Cells,
    IReadOnlyDictionary<string, Verdict> CleanReference)
{
    public const string ReferenceTarget = "reference";

    public static KillMatrix From(ReleaseView clean, IEnumerable<(StoredRun Run, IReadOnlyList<CaseResult> Results)> mutateRuns)
    {
        var byDefect = mutateRuns
            .Where(m => m.Run.Info.Defect is not null)
            .GroupBy(m => m.Run.Info.Defect!)
            .ToDictionary(g => g.Key, g => ReleaseView.Merge(clean.Release, g.ToList()).Verdicts
                .Where(v => v.Key.Target == ReferenceTarget)
                .ToDictionary(v => v.Key.CaseName, v => v.Value));
        var cleanReference = clean.Verdicts.Where(v => v.Key.Target == ReferenceTarget)
            .ToDictionary(v => v.Key.CaseName, v => v.Value);
        var cells = byDefect.SelectMany(d => d.Value.Select(c => (Key: (d.Key, c.Key), c.Value)))
            .ToDictionary(x => x.Key, x => x.Value);
        var cases = cells.Keys.Select(k => k.Item2).Concat(cleanReference.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        return new KillMatrix(byDefect.Keys.Order(StringComparer.Ordinal).ToList(), cases, cells, cleanReference);
    }

    public Verdict? Cell(string defect, string @case) => Cells.TryGetValue((defect, @case), out var v) ? v : null;

    /// <summary>The cases that caught the defect (failed on it).</summary>
    public IReadOnlyList<string> KilledBy(string defect) => Cases.Where(c => Cell(defect, c) == Verdict.Fail).ToList();

    public IReadOnlyList<string> Survivors => Defects.Where(d => KilledBy(d).Count == 0).ToList();

    /// <summary>Cases that failed or errored on the defect-free reference: each is a false alarm to fix first.</summary>
    public IReadOnlyList<string> CleanFailures =>
        CleanReference.Where(c => c.Value is Verdict.Fail or Verdict.Error).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();

    public bool HasCleanReference => CleanReference.Count > 0;

    /// <summary>The rig catches every seeded defect and cries wolf on none.</summary>
    public bool Holds => Defects.Count > 0 && Survivors.Count == 0 && HasCleanReference && CleanFailures.Count == 0;
}
