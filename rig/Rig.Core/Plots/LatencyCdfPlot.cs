using System.Globalization;
using System.Text;
using Rig.Junit;
using Rig.Store;

namespace Rig.Plots;

/// <summary>
/// A metric's distribution per target as an empirical CDF: medians and tails of every target in one
/// picture. Log x when the values span more than a decade, as timer latencies with outliers do.
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
                .Select(g => (Target: g.Key, Values: g.Select(x => x.m.Value).Order().ToList()))
                .Where(t => t.Values.Count >= 2)
                .ToList();
            if (perTarget.Count == 0)
            {
                continue; // a single sample has no distribution to draw
            }

            var (suite, @case, name) = metric.Key;
            var file = $"cdf-{SafeFileName.Of($"{suite}.{@case}.{name}")}";
            var unit = metric.First().m.Unit;
            var data = new StringBuilder();
            var plots = new List<string>();
            foreach (var (target, index) in perTarget.Select((t, i) => (t, i)))
            {
                for (var i = 0; i < target.Values.Count; i++)
                {
                    data.Append(GnuplotText.Number(target.Values[i])).Append('\t')
                        .Append(((i + 1.0) / target.Values.Count).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                }

                data.Append("\n\n");
                plots.Add($"{GnuplotText.Quote(file + ".dat")} index {index} using 1:2 with steps lw 2 title {GnuplotText.Quote($"{target.Target} (n={target.Values.Count})")}");
            }

            var all = perTarget.SelectMany(t => t.Values).ToList();
            var logX = all.Min() > 0 && all.Max() / all.Min() > 10;
            var title = $"{view.Release}: {suite}.{@case} {name} distribution";
            var commands = $"""
                set title {GnuplotText.Quote(title)}
                set xlabel {GnuplotText.Quote($"{name} ({unit})")}
                set ylabel 'fraction of samples <= x'
                set yrange [0:1.02]
                set grid
                {(logX ? "set logscale x" : "unset logscale x")}
                set key right bottom
                plot {string.Join(", \\\n     ", plots)}
                """;
            yield return new PlotSpec(file, title, commands, new Dictionary<string, string> { [file + ".dat"] = data.ToString() });
        }
    }
}
