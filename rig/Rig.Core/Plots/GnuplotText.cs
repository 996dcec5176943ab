using System.Globalization;

namespace Rig.Plots;

/// <summary>Putting names (case, target, series: some from guests) into gnuplot scripts and data files safely.</summary>
public static class GnuplotText
{
    /// <summary>A single-quoted gnuplot string: only '' is special inside it; line breaks would end the command.</summary>
    public static string Quote(string text) => "'" + OneLine(text).Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A field of a tab-separated data file: no tabs or line breaks, never empty.</summary>
    public static string Field(string text)
    {
        var field = OneLine(text).Replace('\t', ' ');
        return field.Length == 0 ? "-" : field;
    }

    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "NaN";

    private static string OneLine(string text) =>
        new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
}
