using Rig.Results;

namespace Rig.Protocol;

/// <summary>Parses COM1 lines into records; a probe is hostile input, so nothing here throws on bad lines.</summary>
public static class RecordParser
{
    public const string Prefix = "RIG ";

    /// <summary>Returns null for a log line (not starting with "RIG ") or a malformed record.</summary>
    public static Record? TryParse(string line)
    {
        line = line.TrimEnd('\r', '\n');
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var words = line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return null;
        }

        var kind = words[0];
        var rest = words.AsSpan(1);
        string? caseName = null;
        bool takesCase = VerdictNames.TryParse(kind, out _) || kind == "metric";
        if (takesCase)
        {
            if (rest.Length == 0 || rest[0].Contains('='))
            {
                return null;
            }

            caseName = rest[0];
            rest = rest[1..];
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        bool damaged = false;
        foreach (var w in rest)
        {
            int eq = w.IndexOf('=');
            if (eq <= 0)
            {
                damaged = true;
                continue;
            }

            fields[w[..eq]] = w[(eq + 1)..];
        }

        return new Record(kind, caseName, fields, line) { Damaged = damaged };
    }
}
