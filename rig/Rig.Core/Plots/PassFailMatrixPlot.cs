using System.Text;

namespace Rig.Plots;

/// <summary>
/// The pass/fail matrix as an image: a coloured box per case×target, and a legend naming every state, "not run" and
/// "unavailable" included, so no blank cell can be read as anything but what it is.
/// </summary>
public static class PassFailMatrixPlot
{
    public static PlotSpec? Spec(string release, PassFailMatrix matrix)
    {
        if (matrix.Cases.Count == 0 || matrix.Targets.Count == 0)
        {
            return null;
        }

        var data = new StringBuilder("case\ttarget\tstatus\n");
        foreach (var @case in matrix.Cases)
        {
            foreach (var target in matrix.Targets)
            {
                data.Append(TsvText.Field(@case)).Append('\t').Append(TsvText.Field(target.Name)).Append('\t')
                    .Append(PlotColors.Label(matrix[@case, target.Name])).Append('\n');
            }
        }

        var title = $"{release}: pass/fail matrix";
        var longestCase = matrix.Cases.Max(c => c.Length);
        return new PlotSpec("matrix", title, plot =>
        {
            for (var x = 0; x < matrix.Targets.Count; x++)
            {
                for (var y = 0; y < matrix.Cases.Count; y++)
                {
                    var box = plot.Add.Rectangle(x, x + 1, y, y + 1);
                    box.FillColor = ScottPlot.Color.FromHex(PlotColors.Of(matrix[matrix.Cases[y], matrix.Targets[x].Name]));
                    box.LineColor = ScottPlot.Colors.LightGray;
                    box.LineWidth = 1;
                }
            }

            plot.Axes.Bottom.SetTicks([.. matrix.Targets.Select((_, i) => i + 0.5)], [.. matrix.Targets.Select(t => t.Name)]);
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 30 + (6 * matrix.Targets.Max(t => t.Name.Length));
            plot.Axes.Bottom.MajorTickStyle.Length = 0;
            plot.Axes.Left.SetTicks([.. matrix.Cases.Select((_, i) => i + 0.5)], [.. matrix.Cases]);
            plot.Axes.Left.MajorTickStyle.Length = 0;
            plot.Axes.SetLimits(0, matrix.Targets.Count, matrix.Cases.Count, 0); // first case on top
            plot.HideGrid();
            foreach (var status in Enum.GetValues<CellStatus>())
            {
                plot.Legend.ManualItems.Add(new ScottPlot.LegendItem
                {
                    LabelText = PlotColors.Label(status),
                    FillColor = ScottPlot.Color.FromHex(PlotColors.Of(status)),
                    OutlineColor = ScottPlot.Colors.Gray,
                    OutlineWidth = 1,
                });
            }

            plot.ShowLegend(ScottPlot.Edge.Right);
            plot.Title(title);
        }, data.ToString(),
            Width: Math.Clamp(320 + (7 * longestCase) + (110 * matrix.Targets.Count), 500, 1600),
            Height: Math.Clamp(200 + (24 * matrix.Cases.Count), 300, 2400));
    }
}
