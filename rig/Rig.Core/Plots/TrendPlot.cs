using System.Text;
using MathNet.Numerics.Statistics;
using Rig.Junit;
using Rig.Results;
using Rig.Store;

namespace Rig.Plots;

/// <summary>
/// Trends across releases, oldest first, with the release names on the x axis: each target's pass rate (ok over
/// ok+fail+error; skips and unavailable targets are not in it), and each metric's median per target.
/// </summary>
public static class TrendPlot
{
    // A distinct marker per target: lines of equal value overlap and must stay tellable apart.
    private static readonly ScottPlot.MarkerShape[] Markers =
    [
        ScottPlot.MarkerShape.FilledCircle, ScottPlot.MarkerShape.FilledSquare, ScottPlot.MarkerShape.FilledTriangleUp,
        ScottPlot.MarkerShape.FilledDiamond, ScottPlot.MarkerShape.OpenCircle, ScottPlot.MarkerShape.OpenSquare,
    ];

    public static IEnumerable<PlotSpec> Specs(IReadOnlyList<ReleaseView> releases)
    {
        if (releases.Count == 0)
        {
            yield break;
        }

        var names = releases.Select(r => r.Release).ToList();
        var passRates = releases.Select(r => r.Verdicts
                .Where(v => v.Value != Verdict.Skip)
                .GroupBy(v => v.Key.Target)
                .ToDictionary(g => g.Key, g => 100.0 * g.Count(v => v.Value == Verdict.Ok) / g.Count()))
            .ToList();
        yield return Lines("trend-pass-rate", $"pass rate across releases (latest {releases[^1].Release})", "pass rate (%)",
            names, passRates, (0, 105));

        var metricKeys = releases.SelectMany(r => r.Results.SelectMany(x => x.Metrics.Select(m => (x.Suite, x.Case, m.Name))))
            .Distinct().OrderBy(k => k.Suite, StringComparer.Ordinal).ThenBy(k => k.Case, StringComparer.Ordinal)
            .ThenBy(k => k.Name, StringComparer.Ordinal).ToList();
        foreach (var (suite, @case, name) in metricKeys)
        {
            var medians = releases.Select(r => r.Results
                    .Where(x => x.Suite == suite && x.Case == @case)
                    .SelectMany(x => x.Metrics.Where(m => m.Name == name && double.IsFinite(m.Value)).Select(m => (x.Target, m.Value)))
                    .GroupBy(x => x.Target)
                    .ToDictionary(g => g.Key, g => g.Select(x => x.Value).Median()))
                .ToList();
            var unit = releases.SelectMany(r => r.Results).Where(x => x.Suite == suite && x.Case == @case)
                .SelectMany(x => x.Metrics).First(m => m.Name == name).Unit;
            yield return Lines($"trend-{SafeFileName.Of($"{suite}.{@case}.{name}")}", $"{suite}.{@case} {name}: median across releases",
                $"median {name} ({unit})", names, medians, null);
        }
    }

    private static PlotSpec Lines(string name, string title, string ylabel, IReadOnlyList<string> releases,
        IReadOnlyList<Dictionary<string, double>> perRelease, (double Low, double High)? yLimits)
    {
        var targets = perRelease.SelectMany(r => r.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var data = new StringBuilder("target\trelease\tvalue\n");
        var lines = targets.Select(target => (Target: target, Points: Enumerable.Range(0, perRelease.Count)
            .Where(x => perRelease[x].ContainsKey(target)).Select(x => (X: (double)x, Y: perRelease[x][target])).ToArray())).ToList();
        foreach (var (target, points) in lines)
        {
            foreach (var (x, y) in points)
            {
                data.Append(TsvText.Field(target)).Append('\t').Append(TsvText.Field(releases[(int)x])).Append('\t')
                    .Append(TsvText.Number(y)).Append('\n');
            }
        }

        return new PlotSpec(name, title, plot =>
        {
            foreach (var ((target, points), index) in lines.Select((l, i) => (l, i)))
            {
                var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
                line.LegendText = target;
                line.LineWidth = 2;
                line.MarkerShape = Markers[index % Markers.Length];
                line.MarkerSize = 9;
            }

            plot.Axes.Bottom.SetTicks([.. releases.Select((_, i) => (double)i)], [.. releases]);
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 30 + (6 * releases.Max(r => r.Length));
            plot.XLabel("release");
            plot.YLabel(ylabel);
            plot.Title(title);
            plot.ShowLegend(ScottPlot.Edge.Right);
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsX(-0.3, releases.Count - 0.7);
            if (yLimits is var (low, high))
            {
                plot.Axes.SetLimitsY(low, high);
            }
        }, data.ToString());
    }
}
