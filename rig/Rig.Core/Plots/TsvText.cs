using System.Globalization;

namespace Rig.Plots;

/// <summary>Plot data as tab-separated text: invariant numbers, and no tab or line break inside a field.</summary>
internal static class TsvText
{
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Field(string text) => text.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
