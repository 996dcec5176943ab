namespace Rig.Compare;

/// <summary>How a case×target's verdict moved from the baseline to the current release.</summary>
public enum ChangeKind
{
    /// <summary>ok → fail or ok → error.</summary>
    Regression,

    /// <summary>fail or error → ok.</summary>
    Improvement,

    /// <summary>Any other change (e.g. ok → skip, fail → error): shown, not judged.</summary>
    Changed,

    /// <summary>Only the current release ran it.</summary>
    Added,

    /// <summary>Only the baseline ran it: not a pass, so it is shown.</summary>
    Missing,

    /// <summary>
    /// The current release both passed and failed it (<see cref="VerdictStability.Flaky"/>): a bug in the case or the
    /// target to fix, but not evidence that this release broke something, so not a regression.
    /// </summary>
    Flaky,
}
