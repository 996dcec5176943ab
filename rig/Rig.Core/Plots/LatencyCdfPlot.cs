using System.Globalization;
using System.Text;
using Rig.Junit;
using Rig.Store;

namespace Rig.Plots;

/// <summary>
/// A metric's distribution per target as an empirical CDF: medians and tails of every target in one picture, the
/// metric's unit on the axis. Log x when the values span more than a decade, as timer latencies with outliers do.
/// </summary>
public static class LatencyCdfPlot
{
    public static IEnumerable<PlotSpec> Specs(ReleaseView view)
    {
        var byMetric = view.Results
            .SelectMany(r => r.Metrics.Where(m => double.IsFinite(m.Value)).Select(m => (Key: (r.Suite, r.Case, m.Name), r.Target, m)))
            .GroupBy(x => x.Key)
            .OrderBy(g => g.Key.Suite, StringComparer.Ordinal).ThenBy(g => g.Key.Case, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Name, StringComparer.Ordinal);
        foreach (var metric in byMetric)
        {
            var perTarget = metric.GroupBy(x => x.Target).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (Target: g.Key, Values: g.Select(x => x.m.Value).Order().ToArray()))
                .Where(t => t.Values.Length >= 2)
                .ToList();
            if (perTarget.Count == 0)
            {
                continue; // a single sample has no distribution to draw
            }

            var (suite, @case, name) = metric.Key;
            var file = $"cdf-{SafeFileName.Of($"{suite}.{@case}.{name}")}";
            var unit = metric.First().m.Unit;
            var data = new StringBuilder($"target\t{TsvText.Field(name)}_{TsvText.Field(unit)}\tfraction\n");
            foreach (var (target, values) in perTarget)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    data.Append(TsvText.Field(target)).Append('\t').Append(TsvText.Number(values[i])).Append('\t')
                        .Append(TsvText.Number((i + 1.0) / values.Length)).Append('\n');
                }
            }

            var all = perTarget.SelectMany(t => t.Values).ToList();
            var logX = all.Min() > 0 && all.Max() / all.Min() > 10;
            var title = $"{view.Release}: {suite}.{@case} {name} distribution";
            yield return new PlotSpec(file, title, plot =>
            {
                foreach (var (target, values) in perTarget)
                {
                    var xs = logX ? values.Select(Math.Log10).ToArray() : values;
                    var ys = Enumerable.Range(1, values.Length).Select(i => (double)i / values.Length).ToArray();
                    var steps = plot.Add.Scatter(xs, ys);
                    steps.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
                    steps.LineWidth = 2;
                    steps.MarkerSize = 0;
                    steps.LegendText = $"{target} (n={values.Length})";
                }

                if (logX)
                {
                    plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
                    {
                        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                        IntegerTicksOnly = true,
                        LabelFormatter = v => Math.Pow(10, v).ToString("G4", CultureInfo.InvariantCulture),
                    };
                }

                plot.Title(title);
                plot.XLabel($"{name} ({unit}{(logX ? ", log scale" : "")})");
                plot.YLabel("fraction of samples ≤ x");
                plot.Axes.AutoScaleX();
                plot.Axes.SetLimitsY(0, 1.02);
                plot.ShowLegend(ScottPlot.Edge.Right);
            }, data.ToString());
        }
    }
}
