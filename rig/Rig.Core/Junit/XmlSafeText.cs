using System.Globalization;
using System.Text;

namespace Rig.Junit;

/// <summary>
/// Guest output may hold bytes XML 1.0 cannot carry at all (control characters, even escaped, are not
/// allowed: XML 1.0 §2.2 Char). They are written as visible <c>\xNN</c> so evidence stays readable and
/// the file stays well-formed; lone surrogates become U+FFFD.
/// </summary>
public static class XmlSafeText
{
    public static string Clean(string text)
    {
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? replacement = null;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            if (char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
            {
                replacement = "\uFFFD";
            }
            else if (c < 0x20 && c is not ('\t' or '\n' or '\r'))
            {
                replacement = string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }

            if (replacement is not null)
            {
                clean ??= new StringBuilder(text, 0, i, text.Length + 16);
                clean.Append(replacement);
            }
            else
            {
                clean?.Append(c);
            }
        }

        return clean?.ToString() ?? text;
    }
}
