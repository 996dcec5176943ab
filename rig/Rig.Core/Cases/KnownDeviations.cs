namespace Rig.Cases;

/// <summary>
/// The <see cref="HostLimit"/> entries that name one case on one target, each with the hostLimits key it was found under
/// (the host's KVM module, or "any"), and which of a run's deviations they excuse. A deviation is (check, measured): the
/// check whose oracle failed and the description of what it saw.
/// </summary>
public sealed class KnownDeviations(IReadOnlyList<(HostLimit Limit, string Module)> declared)
{
    public static KnownDeviations None { get; } = new([]);

    /// <summary>Every entry naming the case, with its key.</summary>
    public IReadOnlyList<(HostLimit Limit, string Module)> Entries => declared;

    /// <summary>The entry (and its key) that declares this deviation, or null: the deviation is the target's to answer for.</summary>
    public (HostLimit Limit, string Module)? Covering(string check, string measured) =>
        declared.Where(d => d.Limit.Covers(check, measured)).Select(d => ((HostLimit, string)?)d).FirstOrDefault();

    /// <summary>The entries that excused none of <paramref name="deviations"/>: what they declare did not show (the list may be stale).</summary>
    public IEnumerable<(HostLimit Limit, string Module)> Unseen(IEnumerable<(string Check, string Measured)> deviations)
    {
        var seen = deviations.ToList();
        return declared.Where(d => !seen.Any(s => d.Limit.Covers(s.Check, s.Measured)));
    }
}
