using System.Globalization;
using System.Text;

namespace Rig.Plots;

/// <summary>The pass/fail matrix as an image: a coloured box per case×target, legend of the states.</summary>
public static class PassFailMatrixPlot
{
    public static PlotSpec? Spec(string release, PassFailMatrix matrix)
    {
        if (matrix.Cases.Count == 0 || matrix.Targets.Count == 0)
        {
            return null;
        }

        var data = new StringBuilder();
        for (var x = 0; x < matrix.Targets.Count; x++)
        {
            for (var y = 0; y < matrix.Cases.Count; y++)
            {
                var color = Convert.ToInt32(PlotColors.Of(matrix[matrix.Cases[y], matrix.Targets[x].Name])[1..], 16);
                data.Append(CultureInfo.InvariantCulture, $"{x}\t{y}\t{color}\n");
            }
        }

        var xtics = string.Join(", ", matrix.Targets.Select((t, i) => $"{GnuplotText.Quote(t.Name)} {i}"));
        var ytics = string.Join(", ", matrix.Cases.Select((c, i) => $"{GnuplotText.Quote(c)} {i}"));
        var legend = string.Join(", ", Enum.GetValues<CellStatus>().Select(s =>
            $"keyentry with boxes fs solid 1.0 lc rgb '{PlotColors.Of(s)}' title '{PlotColors.Label(s)}'"));
        var commands = $"""
            set title {GnuplotText.Quote($"{release}: pass/fail matrix")}
            set xrange [-0.5:{matrix.Targets.Count - 0.5}]
            set yrange [{matrix.Cases.Count - 0.5}:-0.5]
            set xtics ({xtics}) rotate by -30 left nomirror
            set ytics ({ytics}) nomirror
            set tics scale 0
            set key outside right top
            set style fill solid 1.0 border lc rgb '#ffffff'
            plot 'matrix.dat' using 1:2:(0.5):(0.5):3 with boxxyerror lc rgb variable notitle, {legend}
            """;
        var longestCase = matrix.Cases.Max(c => c.Length);
        return new PlotSpec("matrix", $"{release}: pass/fail matrix", commands,
            new Dictionary<string, string> { ["matrix.dat"] = data.ToString() },
            Width: Math.Clamp(300 + (7 * longestCase) + (110 * matrix.Targets.Count), 500, 1600),
            Height: Math.Clamp(160 + (24 * matrix.Cases.Count), 260, 2400));
    }
}
