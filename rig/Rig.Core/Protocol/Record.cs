namespace Rig.Protocol;

/// <summary>
/// One machine-readable line a probe printed on COM1 (see docs/protocol.md):
/// <c>RIG ok|fail|skip|error CASE k=v...</c>, <c>RIG metric CASE name=value unit=U</c>,
/// <c>RIG sample-buffer gpa=0x.. len=N kind=K</c>. Anything else on COM1 is log.
/// </summary>
public sealed record Record(string Kind, string? Case, IReadOnlyDictionary<string, string> Fields, string Line)
{
    public string? this[string key] => Fields.TryGetValue(key, out var v) ? v : null;

    /// <summary>
    /// A word that is not key=value where only fields may stand: bytes were lost on the way (QEMU's 16550 drops what
    /// it cannot hand to a backed-up chardev, 16 at a time), so the record cannot be trusted field by field.
    /// </summary>
    public bool Damaged { get; init; }

    public long GetInt64(string key)
    {
        var s = this[key] ?? throw new FormatException($"record has no '{key}': {Line}");
        return s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? Convert.ToInt64(s[2..], 16)
            : long.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }

    public double GetDouble(string key)
    {
        var s = this[key] ?? throw new FormatException($"record has no '{key}': {Line}");
        return double.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }
}
