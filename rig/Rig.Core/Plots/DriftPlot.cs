using System.Text;
using Rig.Junit;
using Rig.Store;

namespace Rig.Plots;

/// <summary>
/// Clock drift over time: for each case that recorded series (e.g. <c>vcpu1.tsc</c>, x seconds, y ppm),
/// one plot with a line per target and series, so a vCPU or target drifting apart stands out.
/// </summary>
public static class DriftPlot
{
    public static IEnumerable<PlotSpec> Specs(ReleaseView view)
    {
        var byCase = view.Results.Where(r => r.Series.Count > 0).GroupBy(r => (r.Suite, r.Case));
        foreach (var @case in byCase.OrderBy(g => g.Key.Suite, StringComparer.Ordinal).ThenBy(g => g.Key.Case, StringComparer.Ordinal))
        {
            var name = $"drift-{SafeFileName.Of($"{@case.Key.Suite}.{@case.Key.Case}")}";
            var lines = @case
                .SelectMany(r => r.Series.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).Select(p => (r.Target, r.Repeat, p)))
                .GroupBy(x => (x.Target, x.Repeat, x.p.Series))
                .OrderBy(g => g.Key.Target, StringComparer.Ordinal).ThenBy(g => g.Key.Series, StringComparer.Ordinal).ThenBy(g => g.Key.Repeat)
                .ToList();
            if (lines.Count == 0)
            {
                continue;
            }

            var data = new StringBuilder();
            var plots = new List<string>();
            foreach (var (line, index) in lines.Select((l, i) => (l, i)))
            {
                // gnuplot's `index` addresses blocks separated by two blank lines.
                foreach (var (_, _, point) in line.OrderBy(x => x.p.X))
                {
                    data.Append(GnuplotText.Number(point.X)).Append('\t').Append(GnuplotText.Number(point.Y)).Append('\n');
                }

                data.Append("\n\n");
                var title = line.Key.Repeat == 0 ? $"{line.Key.Target} {line.Key.Series}" : $"{line.Key.Target} {line.Key.Series} #{line.Key.Repeat}";
                plots.Add($"{GnuplotText.Quote(name + ".dat")} index {index} using 1:2 with linespoints pointsize 0.4 title {GnuplotText.Quote(title)}");
            }

            var title0 = $"{view.Release}: {@case.Key.Suite}.{@case.Key.Case} drift over time";
            var commands = $"""
                set title {GnuplotText.Quote(title0)}
                set xlabel 'time (s)'
                set ylabel 'drift'
                set grid
                set key outside right top
                plot {string.Join(", \\\n     ", plots)}
                """;
            yield return new PlotSpec(name, title0, commands, new Dictionary<string, string> { [name + ".dat"] = data.ToString() });
        }
    }
}
