using System.Globalization;
using System.Text;
using MathNet.Numerics.Statistics;
using Rig.Junit;
using Rig.Results;
using Rig.Store;

namespace Rig.Plots;

/// <summary>
/// Trends across releases, oldest first: each target's pass rate (ok over ok+fail+error; skips and
/// unavailable targets are not in it), and each metric's median per target.
/// </summary>
public static class TrendPlot
{
    public static IEnumerable<PlotSpec> Specs(IReadOnlyList<ReleaseView> releases)
    {
        if (releases.Count == 0)
        {
            yield break;
        }

        var xtics = string.Join(", ", releases.Select((r, i) => $"{GnuplotText.Quote(r.Release)} {i}"));
        var passRates = releases.Select(r => r.Verdicts
                .Where(v => v.Value != Verdict.Skip)
                .GroupBy(v => v.Key.Target)
                .ToDictionary(g => g.Key, g => 100.0 * g.Count(v => v.Value == Verdict.Ok) / g.Count()))
            .ToList();
        yield return Lines("trend-pass-rate", $"pass rate across releases (latest {releases[^1].Release})", "pass rate (%)",
            xtics, passRates, "set yrange [0:105]");

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
                $"median {name} ({unit})", xtics, medians, "");
        }
    }

    private static PlotSpec Lines(string name, string title, string ylabel, string xtics,
        IReadOnlyList<Dictionary<string, double>> perRelease, string extra)
    {
        var targets = perRelease.SelectMany(r => r.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var data = new StringBuilder();
        var plots = new List<string>();
        foreach (var (target, index) in targets.Select((t, i) => (t, i)))
        {
            for (var x = 0; x < perRelease.Count; x++)
            {
                if (perRelease[x].TryGetValue(target, out var y))
                {
                    data.Append(x.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(GnuplotText.Number(y)).Append('\n');
                }
            }

            data.Append("\n\n");
            // A distinct marker per target: lines of equal value overlap and must stay tellable apart.
            plots.Add($"{GnuplotText.Quote(name + ".dat")} index {index} using 1:2 with linespoints lw 2 pt {4 + (2 * (index % 6))} ps 1.5 title {GnuplotText.Quote(target)}");
        }

        var commands = $"""
            set title {GnuplotText.Quote(title)}
            set ylabel {GnuplotText.Quote(ylabel)}
            set xtics ({xtics}) rotate by -30 left
            set xrange [-0.3:{perRelease.Count - 0.7}]
            set grid
            set key outside right top
            {extra}
            plot {(plots.Count > 0 ? string.Join(", \\\n     ", plots) : "NaN notitle")}
            """;
        return new PlotSpec(name, title, commands, new Dictionary<string, string> { [name + ".dat"] = data.ToString() });
    }
}
