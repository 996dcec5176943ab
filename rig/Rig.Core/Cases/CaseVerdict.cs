using Rig.Results;

namespace Rig.Cases;

/// <summary>
/// The verdict a case has reached so far and the one line that says why. The summary always names what set the
/// verdict: a skip that a later failure overrides (a host-limit skip, then the probe not running to its end) must not
/// leave the skip's reason as the summary of a failure. An error outranks everything, a failure a skip; the first
/// failure stays the summary of later ones, the last error is the summary of an error.
/// </summary>
public sealed class CaseVerdict
{
    public Verdict Verdict { get; private set; } = Verdict.Ok;

    /// <summary>Why the case is not ok; null while it is.</summary>
    public string? Summary { get; private set; }

    /// <summary>A failed check.</summary>
    public void Fail(string what)
    {
        if (Verdict is Verdict.Ok or Verdict.Skip)
        {
            Verdict = Verdict.Fail;
            Summary = what;
        }
    }

    /// <summary>The case could not judge.</summary>
    public void Error(string why)
    {
        Verdict = Verdict.Error;
        Summary = why;
    }

    /// <summary>The target cannot do what the case needs; only an ok case becomes a skip.</summary>
    public void Skip(string why)
    {
        if (Verdict == Verdict.Ok)
        {
            Verdict = Verdict.Skip;
            Summary = why;
        }
    }
}
