using Rig.Results;

namespace Rig.Store;

/// <summary>How repeats of a case add up to one verdict: fail over error over ok over skip.</summary>
public static class CombinedVerdict
{
    public static Verdict Of(IEnumerable<Verdict> verdicts)
    {
        var all = verdicts.ToList();
        if (all.Contains(Verdict.Fail))
        {
            return Verdict.Fail;
        }

        if (all.Contains(Verdict.Error))
        {
            return Verdict.Error;
        }

        return all.Contains(Verdict.Ok) ? Verdict.Ok : Verdict.Skip;
    }
}
