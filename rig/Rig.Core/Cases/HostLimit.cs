namespace Rig.Cases;

/// <summary>
/// One entry of rig.json's targets.&lt;target&gt;.hostLimits.&lt;module&gt; list: a deviation the target is known to show on such a
/// host, which its case reports as a known-deviation skip (with the evidence) instead of a failure. Two forms:
/// <list type="bullet">
/// <item>"suite.case/check: measured" — one check of the case, and only an outcome whose description contains the measured
/// text: a new deviation of the same case (another check, or the same check doing something else) still fails (issue 22);</item>
/// <item>"suite.case" — every deviation the case can observe (the older form, still accepted).</item>
/// </list>
/// </summary>
public sealed record HostLimit(string CaseId, string? Check, string? Measured)
{
    private const string CheckSeparator = "/", MeasuredSeparator = ": ";

    /// <summary>True for the older form, which declares the whole case.</summary>
    public bool WholeCase => Check is null;

    /// <summary>The entry as rig.json spells it.</summary>
    public string Entry => WholeCase ? CaseId : $"{CaseId}{CheckSeparator}{Check}{MeasuredSeparator}{Measured}";

    /// <summary>Parses one entry; null, with <paramref name="why"/>, when it is neither form.</summary>
    public static HostLimit? TryParse(string entry, out string why)
    {
        int slash = entry.IndexOf(CheckSeparator, StringComparison.Ordinal);
        string caseId = slash < 0 ? entry : entry[..slash];
        why = "";
        if (caseId.Split('.') is not [{ Length: > 0 }, { Length: > 0 }] || caseId.Any(char.IsWhiteSpace))
        {
            why = $"'{entry}' does not start with a case id 'suite.case'";
            return null;
        }

        if (slash < 0)
        {
            return new HostLimit(caseId, null, null);
        }

        string rest = entry[(slash + 1)..];
        int colon = rest.IndexOf(MeasuredSeparator, StringComparison.Ordinal);
        if (colon <= 0 || rest[..colon].Any(char.IsWhiteSpace) || rest[(colon + MeasuredSeparator.Length)..].Trim().Length == 0)
        {
            why = $"'{entry}' is not 'suite.case/check: measured' (the check's name, then what was measured: text its outcome must contain)";
            return null;
        }

        return new HostLimit(caseId, rest[..colon], rest[(colon + MeasuredSeparator.Length)..].Trim());
    }

    public static HostLimit Parse(string entry) => TryParse(entry, out string why) ?? throw new FormatException(why);

    /// <summary>Whether this entry declares the deviation <paramref name="measured"/> of <paramref name="check"/> (its case already matched).</summary>
    public bool Covers(string check, string measured) =>
        WholeCase || (Check == check && measured.Contains(Measured!, StringComparison.Ordinal));
}
