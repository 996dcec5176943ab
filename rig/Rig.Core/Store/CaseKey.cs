using Rig.Results;

namespace Rig.Store;

/// <summary>Identifies one case on one target across runs and releases.</summary>
public sealed record CaseKey(string Suite, string Case, string Target)
{
    public static CaseKey Of(CaseResult r) => new(r.Suite, r.Case, r.Target);

    public string CaseName => $"{Suite}.{Case}";

    public override string ToString() => $"{Suite}.{Case} on {Target}";
}
