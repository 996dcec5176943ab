using System.Globalization;
using System.Text;
using Rig.Cases;
using Rig.Protocol;
using Rig.Results;

namespace Rig.Report;

/// <summary>
/// "Interfaces seen per target", from the stored evidence alone: per target and case, the interfaces the probe really
/// used (its <c>RIG iface seen=…</c> line, guest-probes/Runtime/InterfaceUse.cs) and what it found absent or could not
/// do (each <c>RIG skip</c> line's reason, named by interface where <see cref="TargetInterfaces.AbsenceReasons"/> knows
/// it), over every repeat. A probe's sub-results (smoke.self-test.pvclock) share its log, so rows are per probe.
/// The same rows are written as Markdown beside the page (interfaces.md), the source of docs/notes/interfaces.md.
/// </summary>
public static class InterfacesSection
{
    public const string Kind = "iface";

    /// <summary>One probe on one target: interfaces read (null: no repeat printed the line), and absences as `part: reason (interface)`.</summary>
    public sealed record Row(string Target, string Case, IReadOnlyList<string>? Read, IReadOnlyList<string> Absent);

    public static IReadOnlyList<Row> Rows(IEnumerable<CaseResult> results) =>
        [.. results
            .GroupBy(r => (r.Target, Case: $"{r.Suite}.{r.Case.Split('.')[0]}"))
            .Select(g => Collect(g.Key.Target, g.Key.Case, g.SelectMany(r => r.Log.Split('\n')).Select(RecordParser.TryParse).OfType<Record>()))
            .OrderBy(r => r.Target, StringComparer.Ordinal)
            .ThenBy(r => r.Case, StringComparer.Ordinal)];

    public static void Append(StringBuilder page, IReadOnlyList<Row> rows)
    {
        page.Append("<h2>Interfaces seen per target</h2>\n");
        if (rows.Count == 0)
        {
            page.Append("<p>No results recorded for this release.</p>\n");
            return;
        }

        page.Append("<p class=\"meta\">From each probe's <code>RIG iface</code> line (what it set up and used) and its skip reasons, over every repeat; " +
                    "<em>not reported</em>: the probe never reached its end in any repeat.</p>\n");
        foreach (var target in rows.GroupBy(r => r.Target))
        {
            page.Append(CultureInfo.InvariantCulture, $"<h3>{Html.Text(target.Key)}</h3>\n<table><tr><th>case</th><th>interfaces read</th><th>absent (the probe's reason)</th></tr>\n");
            foreach (var row in target)
            {
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr><td><code>{Html.Text(row.Case)}</code></td><td>{Html.Text(ReadText(row))}</td><td>{string.Join("<br>", row.Absent.Select(Html.Text))}</td></tr>\n");
            }

            page.Append("</table>\n");
        }
    }

    /// <summary>The rows as Markdown tables, one per target.</summary>
    public static string Markdown(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        foreach (var target in rows.GroupBy(r => r.Target))
        {
            text.Append(CultureInfo.InvariantCulture, $"### {target.Key}\n\n| case | interfaces read | absent (the probe's reason) |\n|---|---|---|\n");
            foreach (var row in target)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"| {row.Case} | {Cell(ReadText(row))} | {Cell(row.Absent.Count == 0 ? "—" : string.Join("; ", row.Absent))} |\n");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static Row Collect(string target, string caseName, IEnumerable<Record> records)
    {
        var read = new SortedSet<string>(StringComparer.Ordinal);
        var absent = new SortedSet<string>(StringComparer.Ordinal);
        bool reported = false;
        foreach (var r in records)
        {
            if (r.Kind == Kind && r["seen"] is { } seen)
            {
                reported = true;
                read.UnionWith(seen.Split('+', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "none"));
            }
            else if (r.Kind == "skip" && r["reason"] is { } reason)
            {
                var part = r.Case is { } c && c.StartsWith(caseName + ".", StringComparison.Ordinal) ? c[(caseName.Length + 1)..] + ": " : "";
                var name = TargetInterfaces.AbsenceReasons.TryGetValue(reason, out var i) ? $" ({i})" : "";
                absent.Add(part + reason + name);
            }
        }

        return new Row(target, caseName, reported ? [.. read] : null, [.. absent]);
    }

    private static string ReadText(Row row) => row.Read is null ? "not reported" : row.Read.Count == 0 ? "none" : string.Join(", ", row.Read);

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
