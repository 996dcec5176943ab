using System.Text;
using Rig.Junit;
using Rig.Store;

namespace Rig.Plots;

/// <summary>
/// Clock drift over time, in ppm against the host: one plot per case and target (a facet), with a line per vCPU and
/// clock, so a vCPU or clock drifting apart stands out without eighteen series sharing one legend. Cumulative drift
/// from the first exchange is noisy while the window is short, so the y scale is fitted to the settled part.
/// </summary>
public static class DriftPlot
{
    /// <summary>The first quarter of a window is settling: its points are drawn but do not set the y scale.</summary>
    public const double SettlingFraction = 0.25;

    // Marker shapes, not line patterns, tell repeats apart: SkiaSharp's SVG canvas cannot draw dashes.
    private static readonly ScottPlot.MarkerShape[] RepeatMarkers =
        [ScottPlot.MarkerShape.FilledCircle, ScottPlot.MarkerShape.FilledSquare, ScottPlot.MarkerShape.FilledTriangleUp, ScottPlot.MarkerShape.FilledDiamond];

    public static IEnumerable<PlotSpec> Specs(ReleaseView view)
    {
        var facets = view.Results.Where(r => r.Series.Count > 0).GroupBy(r => (r.Suite, r.Case, r.Target))
            .OrderBy(g => g.Key.Suite, StringComparer.Ordinal).ThenBy(g => g.Key.Case, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Target, StringComparer.Ordinal);
        foreach (var facet in facets)
        {
            var (suite, @case, target) = facet.Key;
            var lines = facet
                .SelectMany(r => r.Series.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).Select(p => (r.Repeat, p)))
                .GroupBy(x => (x.Repeat, x.p.Series))
                .OrderBy(g => g.Key.Series, StringComparer.Ordinal).ThenBy(g => g.Key.Repeat)
                .Select(g => (Label: g.Key.Repeat == 0 ? g.Key.Series : $"{g.Key.Series} #{g.Key.Repeat}",
                    g.Key.Series, g.Key.Repeat, Points: g.Select(x => (x.p.X, x.p.Y)).OrderBy(p => p.X).ToArray()))
                .ToList();
            // One colour per vCPU clock, one marker shape per repeat: twelve lines otherwise cycle through a ten-colour
            // palette, and two different clocks came out in the same colour.
            var clocks = lines.Select(l => l.Series).Distinct().ToList();
            if (lines.Count == 0)
            {
                continue;
            }

            var name = $"drift-{SafeFileName.Of($"{suite}.{@case}.{target}")}";
            var title = $"{view.Release}: {suite}.{@case} on {target}, drift against the host";
            var data = new StringBuilder("series\ttime_s\tdrift_ppm\n");
            foreach (var (label, _, _, points) in lines)
            {
                foreach (var (x, y) in points)
                {
                    data.Append(TsvText.Field(label)).Append('\t').Append(TsvText.Number(x)).Append('\t').Append(TsvText.Number(y)).Append('\n');
                }
            }

            var scale = SettledRange(lines.SelectMany(l => l.Points));
            yield return new PlotSpec(name, title, plot =>
            {
                foreach (var (label, series, repeat, points) in lines)
                {
                    var scatter = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
                    scatter.LegendText = label;
                    scatter.MarkerSize = 5;
                    scatter.Color = plot.Add.Palette.GetColor(clocks.IndexOf(series));
                    scatter.MarkerShape = RepeatMarkers[repeat % RepeatMarkers.Length];
                }

                plot.Title(title);
                plot.XLabel("host time since the first exchange (s)");
                plot.YLabel($"drift (ppm; scale from the last {1 - SettlingFraction:P0} of the window)");
                plot.ShowLegend(ScottPlot.Edge.Right);
                plot.Axes.AutoScale();
                if (scale is var (low, high))
                {
                    plot.Axes.SetLimitsY(low, high);
                }
            }, data.ToString());
        }
    }

    /// <summary>
    /// The y range of the points past the settling part of the window (with 10 % margin, and at least ±1 around a flat
    /// line), or null when there is nothing past it.
    /// </summary>
    public static (double Low, double High)? SettledRange(IEnumerable<(double X, double Y)> points)
    {
        var all = points.ToList();
        if (all.Count == 0)
        {
            return null;
        }

        double start = all.Min(p => p.X), end = all.Max(p => p.X);
        var settled = all.Where(p => p.X >= start + (SettlingFraction * (end - start))).Select(p => p.Y).ToList();
        if (settled.Count == 0)
        {
            return null;
        }

        double low = settled.Min(), high = settled.Max();
        double margin = Math.Max(0.1 * (high - low), 1);
        return (low - margin, high + margin);
    }
}
