using Rig.Results;
using Rig.Store;

namespace Rig.Plots;

/// <summary>Case × target for one release, as the plot and the report's table both show it.</summary>
public sealed record PassFailMatrix(IReadOnlyList<string> Cases, IReadOnlyList<TargetInfo> Targets, IReadOnlyDictionary<(string Case, string Target), CellStatus> Cells)
{
    public static PassFailMatrix Of(ReleaseView view)
    {
        var verdicts = view.Verdicts.ToDictionary(v => (v.Key.CaseName, v.Key.Target), v => v.Value);
        var known = view.Targets.ToDictionary(t => t.Name);
        var targets = view.Targets
            .Concat(verdicts.Keys.Select(k => k.Target).Where(t => !known.ContainsKey(t)).Distinct()
                .Select(t => new TargetInfo(t, true, null, "")))
            .OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var cases = verdicts.Keys.Select(k => k.CaseName).Distinct().Order(StringComparer.Ordinal).ToList();
        var cells = new Dictionary<(string, string), CellStatus>();
        foreach (var target in targets)
        {
            foreach (var @case in cases)
            {
                cells[(@case, target.Name)] = verdicts.TryGetValue((@case, target.Name), out var verdict) ? FromVerdict(verdict)
                    : target.Available ? CellStatus.NotRun : CellStatus.Unavailable;
            }
        }

        return new PassFailMatrix(cases, targets, cells);
    }

    public CellStatus this[string @case, string target] => Cells[(@case, target)];

    private static CellStatus FromVerdict(Verdict v) => v switch
    {
        Verdict.Ok => CellStatus.Ok,
        Verdict.Fail => CellStatus.Fail,
        Verdict.Error => CellStatus.Error,
        _ => CellStatus.Skip,
    };
}
