using System.Net;
using Rig.Junit;

namespace Rig.Report;

/// <summary>Everything that reaches the page goes through here: guest text is hostile (markup, control bytes).</summary>
public static class Html
{
    public static string Text(string? text) => WebUtility.HtmlEncode(XmlSafeText.Clean(text ?? ""));

    /// <summary>A relative URL to a file beside the page; each path segment is percent-encoded.</summary>
    public static string Url(string relativePath) =>
        string.Join('/', relativePath.Split('/', '\\').Select(Uri.EscapeDataString));
}
