using Rig.Results;
using Rig.Store;

namespace Rig.Compare;

/// <summary>A case×target whose verdict differs between baseline and current (null: that side did not run it).</summary>
public sealed record VerdictChange(CaseKey Key, Verdict? Baseline, Verdict? Current, ChangeKind Kind)
{
    public static ChangeKind Classify(Verdict? baseline, Verdict? current) => (baseline, current) switch
    {
        (null, _) => ChangeKind.Added,
        (_, null) => ChangeKind.Missing,
        (Verdict.Ok, Verdict.Fail or Verdict.Error) => ChangeKind.Regression,
        (Verdict.Fail or Verdict.Error, Verdict.Ok) => ChangeKind.Improvement,
        _ => ChangeKind.Changed,
    };
}
