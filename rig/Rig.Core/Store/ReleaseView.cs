using Rig.Results;

namespace Rig.Store;

/// <summary>
/// What a release looks like now: its clean (non-mutate) runs merged so that for every case×target the
/// latest run that ran it wins, with all of that run's repeats. Shards of one release (a CI matrix, one
/// target per job) therefore add up, and a re-run replaces what it re-ran.
/// </summary>
/// <param name="Producers">For each case×target, the run whose results the view kept.</param>
public sealed record ReleaseView(
    string Release, IReadOnlyList<StoredRun> Runs, IReadOnlyList<CaseResult> Results, IReadOnlyDictionary<CaseKey, RunInfo> Producers)
{
    public static ReleaseView Merge(string release, IReadOnlyList<(StoredRun Run, IReadOnlyList<CaseResult> Results)> cleanRuns)
    {
        var newestFirst = cleanRuns.OrderByDescending(r => r.Run.Info.Started).ToList();
        var owner = new Dictionary<CaseKey, StoredRun>();
        var kept = new List<CaseResult>();
        foreach (var (run, results) in newestFirst)
        {
            foreach (var result in results)
            {
                var key = CaseKey.Of(result);
                if (owner.TryAdd(key, run) || owner[key].RunId == run.RunId)
                {
                    kept.Add(result);
                }
            }
        }

        var runs = cleanRuns.Select(r => r.Run).OrderBy(r => r.Info.Started).ToList();
        return new ReleaseView(release, runs, kept.OrderBy(r => r.Suite, StringComparer.Ordinal)
            .ThenBy(r => r.Case, StringComparer.Ordinal)
            .ThenBy(r => r.Target, StringComparer.Ordinal)
            .ThenBy(r => r.Repeat)
            .ToList(), owner.ToDictionary(o => o.Key, o => o.Value.Info));
    }

    /// <summary>Every target the release's runs saw, as the latest run that saw it found it.</summary>
    public IReadOnlyList<TargetInfo> Targets =>
        Runs.OrderByDescending(r => r.Info.Started)
            .SelectMany(r => r.Info.Targets)
            .DistinctBy(t => t.Name)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>One verdict per case×target: any failing repeat fails it (a flaky verdict is itself a finding).</summary>
    public IReadOnlyDictionary<CaseKey, Verdict> Verdicts =>
        Results.GroupBy(CaseKey.Of).ToDictionary(g => g.Key, g => CombinedVerdict.Of(g.Select(r => r.Verdict)));
}
