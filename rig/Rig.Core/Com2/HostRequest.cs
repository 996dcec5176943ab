using System.Globalization;

namespace Rig.Com2;

/// <summary>A probe's <c>RIG-REQ &lt;seq&gt; &lt;action&gt; [key=value ...]</c> on COM2 (docs/protocol.md).</summary>
public sealed record HostRequest(long Seq, string Action, IReadOnlyDictionary<string, string> Fields, string Line)
{
    public const string Prefix = "RIG-REQ ";

    /// <summary>Null for a line that is not a well-formed request; the probe is hostile input.</summary>
    public static HostRequest? TryParse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var words = line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || !long.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var w in words.AsSpan(2))
        {
            var eq = w.IndexOf('=');
            if (eq > 0)
            {
                fields[w[..eq]] = w[(eq + 1)..];
            }
        }

        return new HostRequest(seq, words[1], fields, line);
    }

    /// <summary>A decimal or 0x-hex unsigned field; throws <see cref="FormatException"/> naming the field.</summary>
    public ulong GetUInt64(string key)
    {
        if (!Fields.TryGetValue(key, out var s))
        {
            throw new FormatException($"{Action} request has no '{key}'");
        }

        var ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v)
            : ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        return ok ? v : throw new FormatException($"{Action} request: '{key}={s}' is not a number");
    }

    public string GetString(string key) =>
        Fields.TryGetValue(key, out var s) && s.Length > 0 ? s : throw new FormatException($"{Action} request has no '{key}'");
}
