namespace Rig.Results;

/// <summary>
/// A case's outcome on one target, XTF-style: SUCCESS/SKIP/ERROR/FAILURE.
/// Fail means the target broke a rule; Error means the case or the rig could not judge.
/// </summary>
public enum Verdict
{
    Ok,
    Fail,
    Skip,
    Error,
}

public static class VerdictNames
{
    public static string ToWire(this Verdict v) => v switch
    {
        Verdict.Ok => "ok",
        Verdict.Fail => "fail",
        Verdict.Skip => "skip",
        Verdict.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(v)),
    };

    public static bool TryParse(string s, out Verdict v)
    {
        switch (s)
        {
            case "ok": v = Verdict.Ok; return true;
            case "fail": v = Verdict.Fail; return true;
            case "skip": v = Verdict.Skip; return true;
            case "error": v = Verdict.Error; return true;
            default: v = default; return false;
        }
    }
}
