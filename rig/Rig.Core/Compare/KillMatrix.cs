using Rig.Results;
using Rig.Store;

namespace Rig.Compare;

/// <summary>
/// <c>rig mutate</c>'s verdict on the rig itself (DESIGN.md, "Seeded defects"): for each seeded defect, what
/// every case said on the reference hypervisor running with it. A defect is killed by a case that failed on every
/// repeat of it and never failed on the clean reference; an error is not a kill (the case could not judge), nor is a
/// failure in some repeats only (not deterministic). The clean reference must fail nothing, otherwise the whole
/// matrix is void: a kill by a case that cries wolf proves nothing.
/// </summary>
public sealed record KillMatrix(
    IReadOnlyList<string> Defects,
    IReadOnlyList<string> Cases,
    IReadOnlyDictionary<(string Defect, string Case), Verdict> Cells,
    IReadOnlyDictionary<string, Verdict> CleanReference,
    IReadOnlyDictionary<string, IReadOnlyList<Kill>> Failures)
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
        var failures = mutateRuns
            .Where(m => m.Run.Info.Defect is not null)
            .GroupBy(m => m.Run.Info.Defect!)
            .ToDictionary(g => g.Key, g => Failing(g.SelectMany(m => m.Results).Where(r => r.Target == ReferenceTarget)));
        return new KillMatrix(byDefect.Keys.Order(StringComparer.Ordinal).ToList(), cases, cells, cleanReference, failures);
    }

    public Verdict? Cell(string defect, string @case) => Cells.TryGetValue((defect, @case), out var v) ? v : null;

    /// <summary>Every case that failed at least once on the defect, with how often and its evidence.</summary>
    public IReadOnlyList<Kill> FailuresOn(string defect) => Failures.TryGetValue(defect, out var f) ? f : [];

    /// <summary>The kills that count: failed on every repeat of the defect, never failed on the clean reference.</summary>
    public IReadOnlyList<Kill> Kills(string defect) =>
        FailuresOn(defect).Where(k => k.Deterministic && CleanReference.GetValueOrDefault(k.Case) is not (Verdict.Fail or Verdict.Error)).ToList();

    /// <summary>The cases that caught the defect.</summary>
    public IReadOnlyList<string> KilledBy(string defect) => Kills(defect).Select(k => k.Case).ToList();

    public IReadOnlyList<string> Survivors => Defects.Where(d => KilledBy(d).Count == 0).ToList();

    /// <summary>Cases that failed or errored on the defect-free reference: each is a false alarm to fix first.</summary>
    public IReadOnlyList<string> CleanFailures =>
        CleanReference.Where(c => c.Value is Verdict.Fail or Verdict.Error).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();

    public bool HasCleanReference => CleanReference.Count > 0;

    /// <summary>Why no kill can be trusted, or null: no clean reference ran, or a case failed on it.</summary>
    public string? VoidReason =>
        !HasCleanReference ? "no clean reference run: a kill proves nothing until the clean reference passes"
        : CleanFailures.Count > 0 ? $"the clean reference failed {string.Join(", ", CleanFailures)}: those cases cry wolf, so no kill counts"
        : null;

    /// <summary>The rig catches every seeded defect and cries wolf on none.</summary>
    public bool Holds => Defects.Count > 0 && Survivors.Count == 0 && VoidReason is null;

    private static IReadOnlyList<Kill> Failing(IEnumerable<CaseResult> results) =>
        results.GroupBy(r => $"{r.Suite}.{r.Case}")
            .Where(g => g.Any(r => r.Verdict == Verdict.Fail))
            .Select(g =>
            {
                var failed = g.Where(r => r.Verdict == Verdict.Fail).ToList();
                string evidence = failed.SelectMany(r => r.Evidence.Split('\n'))
                    .FirstOrDefault(l => l.StartsWith("FAIL", StringComparison.Ordinal)) ?? failed[0].Summary;
                return new Kill(g.Key, failed.Count, g.Count(), failed.Max(r => r.Duration), evidence.Trim());
            })
            .OrderBy(k => k.Case, StringComparer.Ordinal)
            .ToList();
}
