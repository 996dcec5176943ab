using System.Globalization;
using System.Numerics;

namespace Rig.Suites.Apic.Oracles;

/// <summary>The 256-bit vector registers (ISR, IRR, TMR) as the probe prints them: 0x and 64 hex digits, vector 255 first.</summary>
public static class VectorSet
{
    public static int[]? Parse(string text)
    {
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            || !BigInteger.TryParse("0" + text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits))
        {
            return null;
        }

        return Enumerable.Range(0, 256).Where(v => !(bits >> v & 1).IsZero).ToArray();
    }

    public static string Format(IReadOnlyCollection<int> vectors) =>
        vectors.Count == 0 ? "{}" : "{" + string.Join(",", vectors.Select(v => $"0x{v:x2}")) + "}";

    /// <summary>A protocol integer: decimal or 0x hex (docs/protocol.md).</summary>
    public static ulong? ParseInt(string s)
    {
        bool hex = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return ulong.TryParse(hex ? s[2..] : s, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : null;
    }
}
