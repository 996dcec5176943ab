using System.Globalization;
using System.Text;
using MathNet.Numerics.Statistics;
using Rig.Compare;
using Rig.Plots;
using Rig.Results;
using Rig.Store;

namespace Rig.Report;

/// <summary>
/// The page itself. Sections in the order a hypervisor developer asks: did it pass, where did it fail and
/// why, what changed since the baseline, do the numbers look right, does the rig still catch its
/// seeded defects, and did a hostile guest crash or hang its hypervisor (rig fuzz). Failure details are &lt;details&gt; elements: collapsible without script.
/// </summary>
public static class HtmlReport
{
    private const int LogLimit = 64 * 1024; // a runaway guest log must not make the page unusable

    public static string Render(ReportData data, string pageDirectory)
    {
        var view = data.View;
        var matrix = PassFailMatrix.Of(view);
        var page = new StringBuilder();
        page.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>rig report: {Html.Text(view.Release)}</title>
            <style>{Style}</style></head><body>
            <h1>Release {Html.Text(view.Release)}</h1>
            <p class="meta">Generated {data.Generated.UtcDateTime:yyyy-MM-dd HH:mm} UTC by rig report.</p>

            """);
        foreach (var warning in data.Warnings)
        {
            page.Append(CultureInfo.InvariantCulture, $"<p class=\"warning\">{Html.Text(warning)}</p>\n");
        }

        Headline(page, view, data);
        Summary(page, view);
        Matrix(page, matrix, data.Plots.FirstOrDefault(p => Path.GetFileNameWithoutExtension(p.PngPath) == "matrix"), pageDirectory);
        Failures(page, view);
        DeviationsSection.Append(page, view);
        InterfacesSection.Append(page, InterfacesSection.Rows(view.Results));
        FlakeTable(page, view);
        if (data.Comparison is { } comparison)
        {
            ComparisonSection(page, comparison);
        }

        Metrics(page, view);
        PlotsSection(page, data.Plots.Where(p => Path.GetFileNameWithoutExtension(p.PngPath) != "matrix").ToList(), pageDirectory);
        if (data.KillMatrix is { } kill)
        {
            KillMatrixSection(page, kill);
        }

        FuzzSection.Append(page, data.FuzzRuns);
        HostFaultsSection.Append(page, data.HostFaults);
        page.Append("</body></html>\n");
        return page.ToString();
    }

    private static void Headline(StringBuilder page, ReleaseView view, ReportData data)
    {
        var verdicts = view.Verdicts.Values.ToList();
        int Count(Verdict v) => verdicts.Count(x => x == v);
        var unavailable = view.Targets.Count(t => !t.Available);
        page.Append("<div class=\"headline\">");
        Badge(page, CellStatus.Ok, Count(Verdict.Ok), "passed");
        Badge(page, CellStatus.Fail, Count(Verdict.Fail), "failed");
        Badge(page, CellStatus.Error, Count(Verdict.Error), Count(Verdict.Error) == 1 ? "error" : "errors");
        Badge(page, CellStatus.Skip, Count(Verdict.Skip), "skipped");
        Badge(page, CellStatus.Unavailable, unavailable, unavailable == 1 ? "target unavailable" : "targets unavailable");
        if (data.Comparison is { } c)
        {
            var regressions = c.Regressions.Count + c.DriftRegressions.Count;
            page.Append(CultureInfo.InvariantCulture,
                $"<span class=\"badge {(regressions > 0 ? "bad" : "good")}\">{regressions} regression{(regressions == 1 ? "" : "s")} vs {Html.Text(c.Baseline)}</span>");
        }

        if (data.KillMatrix is { } k)
        {
            page.Append(CultureInfo.InvariantCulture,
                $"<span class=\"badge {(k.Holds ? "good" : "bad")}\">mutate: {k.Defects.Count - k.Survivors.Count}/{k.Defects.Count} defects caught</span>");
        }

        if (data.FuzzRuns.Count > 0)
        {
            var broken = data.FuzzRuns.Sum(r => r.Findings.Count);
            page.Append(CultureInfo.InvariantCulture,
                $"<span class=\"badge {(broken > 0 ? "bad" : "good")}\"><a href=\"#fuzz\">fuzz: {broken} crash{(broken == 1 ? "" : "es")} or hang{(broken == 1 ? "" : "s")} in {data.FuzzRuns.Aggregate(0UL, (n, r) => n + r.Inputs):N0} inputs</a></span>");
        }

        page.Append("</div>\n<p class=\"meta\">Counts are case×target verdicts; a case×target fails if any of its repeats failed.</p>\n");
    }

    private static void Badge(StringBuilder page, CellStatus status, int count, string what) =>
        page.Append(CultureInfo.InvariantCulture,
            $"<span class=\"badge\" style=\"border-color:{PlotColors.Of(status)}\"><b style=\"color:{PlotColors.Of(status)}\">■</b> {count} {what}</span>");

    private static void Summary(StringBuilder page, ReleaseView view)
    {
        page.Append("<h2>Runs and host</h2>\n<table><tr><th>run</th><th>profile, repeats, seed</th><th>started (UTC)</th><th>ended</th><th>host</th><th>CPU</th><th>kernel</th><th>KVM</th></tr>\n");
        foreach (var run in view.Runs)
        {
            var host = run.Info.Host;
            var ended = run.Ended is { } e ? e.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
                : "<span class=\"fail\">did not finish (killed?)</span>";
            var parameters = string.Join(", ", host.KvmParameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            var settings = run.Info.Settings is { } s ? $"{s.Profile}, {s.Repeats}, {s.Seed}" : "not recorded";
            page.Append(CultureInfo.InvariantCulture,
                $"<tr><td><code>{Html.Text(run.RunId)}</code></td><td>{Html.Text(settings)}</td><td>{run.Info.Started.UtcDateTime:yyyy-MM-dd HH:mm:ss}</td><td>{ended}</td>" +
                $"<td>{Html.Text(host.Hostname)}</td><td>{Html.Text(host.CpuModel)}</td><td>{Html.Text(host.Kernel)}</td>" +
                $"<td>{Html.Text(host.KvmModule)}<br><small>{Html.Text(parameters)}</small></td></tr>\n");
        }

        page.Append("</table>\n<h2>Targets</h2>\n<table><tr><th>target</th><th>available</th><th>version</th><th>reason</th></tr>\n");
        foreach (var target in view.Targets)
        {
            var status = target.Available ? "<span class=\"ok\">yes</span>" : "<span class=\"unavailable\">no: not tested</span>";
            page.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{Html.Text(target.Name)}</td><td>{status}</td><td>{Html.Text(target.Version)}</td><td>{Html.Text(target.Reason)}</td></tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void Matrix(StringBuilder page, PassFailMatrix matrix, Plot? image, string pageDirectory)
    {
        page.Append("<h2>Pass/fail matrix</h2>\n");
        if (matrix.Cases.Count == 0)
        {
            page.Append("<p>No results recorded for this release.</p>\n");
            return;
        }

        page.Append("<table class=\"matrix\"><tr><th>case</th>");
        foreach (var target in matrix.Targets)
        {
            page.Append(CultureInfo.InvariantCulture, $"<th>{Html.Text(target.Name)}</th>");
        }

        page.Append("</tr>\n");
        foreach (var @case in matrix.Cases)
        {
            page.Append(CultureInfo.InvariantCulture, $"<tr><td><code>{Html.Text(@case)}</code></td>");
            foreach (var target in matrix.Targets)
            {
                var status = matrix[@case, target.Name];
                var text = PlotColors.Label(status);
                var cell = status is CellStatus.Fail or CellStatus.Error
                    ? $"<a href=\"#{Anchor(@case, target.Name)}\">{text}</a>" : text;
                page.Append(CultureInfo.InvariantCulture, $"<td class=\"cell {CellClass(status)}\" style=\"background:{PlotColors.Of(status)}\">{cell}</td>");
            }

            page.Append("</tr>\n");
        }

        page.Append("</table>\n");
        if (image is not null)
        {
            Figure(page, image, pageDirectory);
        }
    }

    private static void Failures(StringBuilder page, ReleaseView view)
    {
        // One entry per case×target, its failing repeats inside: repeats usually fail the same way.
        var failing = view.Results.GroupBy(CaseKey.Of)
            .Select(g => (Key: g.Key, Runs: g.Count(), Failed: g.Where(r => r.Verdict is Verdict.Fail or Verdict.Error).ToList()))
            .Where(g => g.Failed.Count > 0)
            .ToList();
        page.Append(CultureInfo.InvariantCulture, $"<h2>Failures and errors ({failing.Count})</h2>\n");
        if (failing.Count == 0)
        {
            page.Append("<p>None.</p>\n");
            return;
        }

        foreach (var (key, runs, failed) in failing)
        {
            var verdict = CombinedVerdict.Of(failed.Select(r => r.Verdict)).ToWire();
            var repeats = runs == 1 ? "" : $" ({failed.Count} of {runs} repeats)";
            page.Append(CultureInfo.InvariantCulture, $"""
                <details id="{Anchor(key.CaseName, key.Target)}" class="failure"><summary><span class="{verdict}">{verdict}</span>
                <code>{Html.Text(key.CaseName)}</code> on <b>{Html.Text(key.Target)}</b>{repeats}: {Html.Text(failed[0].Summary)}</summary>

                """);
            foreach (var result in failed)
            {
                var heading = runs == 1 ? "Evidence" : $"Repeat #{result.Repeat}, {result.Verdict.ToWire()}: {Html.Text(result.Summary)}";
                page.Append(CultureInfo.InvariantCulture, $"<h4>{heading}</h4><pre>{Html.Text(result.Evidence)}</pre>\n");
                if (result.Log.Length > 0)
                {
                    var log = result.Log.Length > LogLimit
                        ? $"[first {result.Log.Length - LogLimit} characters left out]\n" + result.Log[^LogLimit..]
                        : result.Log;
                    page.Append(CultureInfo.InvariantCulture, $"<details><summary>log ({result.Log.Length} characters)</summary><pre>{Html.Text(log)}</pre></details>\n");
                }
            }

            page.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">rerun: <code>{Html.Text(RerunCommand.For(key, view.Producers.GetValueOrDefault(key)?.Settings, runs))}</code></p>\n");
            page.Append("</details>\n");
        }
    }

    /// <summary>Per case×target: how many runs, which verdicts, and how often they disagreed (DESIGN.md: a flake is a bug).</summary>
    private static void FlakeTable(StringBuilder page, ReleaseView view)
    {
        var rows = VerdictStability.Of(view);
        page.Append(CultureInfo.InvariantCulture,
            $"<h2>Verdict stability ({rows.Count(r => r.Flaky)} flaky, {rows.Count(r => r.Unsteady)} with more than one verdict)</h2>\n");
        page.Append("<p class=\"meta\">Every repeat this release holds of each case×target. The flake rate is the share of runs " +
                    "that disagree with the most common verdict; a case that both passed and failed is flaky, and <code>rig compare</code> " +
                    "reports it as such rather than as a regression. Other mixes (skip and error, fail and error) are unsteady too: " +
                    "their rate is shown, and they count in the heading's second figure.</p>\n");
        page.Append("<table><tr><th>case</th><th>target</th><th>runs</th><th>verdicts seen</th><th>flake rate</th></tr>\n");
        foreach (var row in rows)
        {
            var seen = string.Join(", ", row.Seen.OrderByDescending(s => s.Value).Select(s => $"{s.Key.ToWire()} {s.Value}"));
            page.Append(CultureInfo.InvariantCulture,
                $"<tr><td><code>{Html.Text(row.Key.CaseName)}</code></td><td>{Html.Text(row.Key.Target)}</td><td>{row.Runs}</td>" +
                $"<td>{Html.Text(seen)}</td><td class=\"{(row.Unsteady ? "fail" : "")}\">{row.FlakeRate:P0}</td></tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void ComparisonSection(StringBuilder page, Comparison comparison)
    {
        page.Append(CultureInfo.InvariantCulture, $"<h2>Compared with {Html.Text(comparison.Baseline)}</h2>\n");
        if (comparison.VerdictChanges.Count == 0)
        {
            page.Append("<p>No verdict changed.</p>\n");
        }
        else
        {
            page.Append("<table><tr><th>change</th><th>case</th><th>target</th><th>baseline</th><th>now</th></tr>\n");
            foreach (var change in comparison.VerdictChanges)
            {
                var css = change.Kind switch { ChangeKind.Regression => "fail", ChangeKind.Improvement => "ok", _ => "" };
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr><td class=\"{css}\">{change.Kind.ToString().ToLowerInvariant()}</td><td><code>{Html.Text(change.Key.CaseName)}</code></td>" +
                    $"<td>{Html.Text(change.Key.Target)}</td><td>{change.Baseline?.ToWire() ?? "—"}</td><td>{change.Current?.ToWire() ?? "—"}</td></tr>\n");
            }

            page.Append("</table>\n");
        }

        var judged = comparison.Drifts.Where(d => d.Kind is DriftKind.Regression or DriftKind.Improvement or DriftKind.Changed).ToList();
        var rest = comparison.Drifts.Except(judged).ToList();
        page.Append("<h3>Metric drift</h3>\n<p class=\"meta\">Drift needs both: Mann–Whitney U significant (p below alpha) and the median moved beyond the metric's threshold. It is a regression or an improvement where the metric's better direction is known (latency down, throughput up), a change where it is not (scenario counts, host inputs).</p>\n");
        if (judged.Count == 0)
        {
            page.Append(CultureInfo.InvariantCulture, $"<p>No metric drifted ({comparison.Drifts.Count} compared).</p>\n");
        }
        else
        {
            DriftTable(page, judged);
        }

        if (rest.Count > 0)
        {
            page.Append(CultureInfo.InvariantCulture, $"<details><summary>{rest.Count} metrics within threshold, not significant, or with too few samples</summary>\n");
            DriftTable(page, rest);
            page.Append("</details>\n");
        }

        if (comparison.TargetChanges.Count > 0)
        {
            page.Append("<h3>Target changes</h3>\n<table><tr><th>target</th><th>baseline</th><th>now</th><th>reason</th></tr>\n");
            foreach (var t in comparison.TargetChanges)
            {
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{Html.Text(t.Target)}</td><td>{TargetState(t.BaselineAvailable, t.BaselineVersion)}</td>" +
                    $"<td>{TargetState(t.CurrentAvailable, t.CurrentVersion)}</td><td>{Html.Text(t.CurrentReason)}</td></tr>\n");
            }

            page.Append("</table>\n");
        }
    }

    private static string TargetState(bool? available, string? version) => available switch
    {
        null => "absent",
        false => "unavailable",
        true => Html.Text(version),
    };

    private static void DriftTable(StringBuilder page, IReadOnlyList<MetricDrift> drifts)
    {
        page.Append("<table><tr><th>verdict</th><th>case</th><th>target</th><th>metric</th><th>n (base/now)</th><th>median base</th><th>median now</th><th>shift</th><th>limit</th><th>U</th><th>p</th></tr>\n");
        foreach (var d in drifts)
        {
            var css = d.Kind switch { DriftKind.Regression => "fail", DriftKind.Improvement => "ok", _ => "" };
            var relative = double.IsNaN(d.RelativeShift) ? "" : $" ({d.RelativeShift:+0.0%;-0.0%})";
            page.Append(CultureInfo.InvariantCulture,
                $"<tr><td class=\"{css}\">{Words(d.Kind.ToString())}</td><td><code>{Html.Text(d.Key.CaseName)}</code></td><td>{Html.Text(d.Key.Target)}</td>" +
                $"<td>{Html.Text(d.Metric)} ({Html.Text(d.Unit)})</td><td class=\"num\">{d.BaselineCount}/{d.CurrentCount}</td>" +
                $"<td class=\"num\">{Number(d.BaselineMedian)}</td><td class=\"num\">{Number(d.CurrentMedian)}</td>" +
                $"<td class=\"num\">{Number(d.Shift)}{relative}</td><td class=\"num\">±{Number(d.Limit)}</td>" +
                $"<td class=\"num\">{(d.Test is { } t ? Number(t.U) : "—")}</td><td class=\"num\">{(d.Test is { } t2 ? PValue(t2.PValue) : "—")}</td></tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void Metrics(StringBuilder page, ReleaseView view)
    {
        var rows = view.Results
            .SelectMany(r => r.Metrics.Select(m => (Key: (Case: CaseKey.Of(r).CaseName, r.Target, m.Name, m.Unit), m.Value, m.JudgedBy)))
            .GroupBy(x => x.Key)
            .OrderBy(g => g.Key.Case, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal).ThenBy(g => g.Key.Target, StringComparer.Ordinal)
            .ToList();
        page.Append("<h2>Metrics</h2>\n");
        if (rows.Count == 0)
        {
            page.Append("<p>No metrics recorded.</p>\n");
            return;
        }

        page.Append("<p>Each metric is either judged (its oracle and bound are named; the case's verdict depends on it) or " +
                    "information only (recorded for distributions and release drift; no verdict depends on it).</p>\n");
        page.Append("<table><tr><th>case</th><th>metric</th><th>target</th><th>n</th><th>median</th><th>p99</th><th>max</th><th>unit</th><th>judged by</th></tr>\n");
        foreach (var row in rows)
        {
            var finite = row.Select(x => x.Value).Where(double.IsFinite).ToList();
            var dropped = row.Count() - finite.Count;
            var n = dropped == 0 ? $"{finite.Count}" : $"{finite.Count} <small>(+{dropped} not finite)</small>";
            var (median, p99, max) = finite.Count == 0 ? ("—", "—", "—")
                : (Number(finite.Median()), Number(finite.Quantile(0.99)), Number(finite.Max()));
            page.Append(CultureInfo.InvariantCulture,
                $"<tr><td><code>{Html.Text(row.Key.Case)}</code></td><td>{Html.Text(row.Key.Name)}</td><td>{Html.Text(row.Key.Target)}</td>" +
                $"<td class=\"num\">{n}</td><td class=\"num\">{median}</td><td class=\"num\">{p99}</td><td class=\"num\">{max}</td><td>{Html.Text(row.Key.Unit)}</td>" +
                $"<td>{Judgement(row.Select(x => x.JudgedBy))}</td></tr>\n");
        }

        page.Append("</table>\n");
    }

    /// <summary>The rule that judged a metric's samples; samples of an older rig say nothing, so neither does the page.</summary>
    private static string Judgement(IEnumerable<string?> judgedBy)
    {
        var stated = judgedBy.Where(j => j is not null).Distinct().ToList();
        return stated.Count == 0 ? "<small>not recorded</small>"
            : string.Join("<br>", stated.Select(j => j == "" ? "information only" : Html.Text(j!)));
    }

    private static void PlotsSection(StringBuilder page, IReadOnlyList<Plot> plots, string pageDirectory)
    {
        if (plots.Count == 0)
        {
            return;
        }

        page.Append("<h2>Plots</h2>\n<div class=\"plots\">\n");
        foreach (var plot in plots)
        {
            Figure(page, plot, pageDirectory);
        }

        page.Append("</div>\n");
    }

    private static void Figure(StringBuilder page, Plot plot, string pageDirectory)
    {
        var png = Html.Url(Path.GetRelativePath(pageDirectory, plot.PngPath));
        var svg = Html.Url(Path.GetRelativePath(pageDirectory, plot.SvgPath));
        var data = Html.Url(Path.GetRelativePath(pageDirectory, plot.DataPath));
        page.Append(CultureInfo.InvariantCulture,
            $"<figure><a href=\"{svg}\"><img src=\"{png}\" alt=\"{Html.Text(plot.Title)}\" /></a>" +
            $"<figcaption>{Html.Text(plot.Title)} — <a href=\"{svg}\">SVG</a>, <a href=\"{data}\">data (TSV)</a></figcaption></figure>\n");
    }

    private static void KillMatrixSection(StringBuilder page, KillMatrix kill)
    {
        page.Append("<h2>Kill matrix (rig mutate)</h2>\n<p class=\"meta\">Each seeded defect must make at least one case fail on the reference hypervisor on every repeat of it; the defect-free reference must fail none. An error is not a kill, nor is a failure on some repeats only.</p>\n");
        var clean = !kill.HasCleanReference ? "<p class=\"fail\">No clean reference run in this release: the kills prove nothing until one passes.</p>"
            : kill.CleanFailures.Count == 0 ? "<p class=\"ok\">The clean reference failed nothing.</p>"
            : $"<p class=\"fail\">The clean reference failed: {string.Join(", ", kill.CleanFailures.Select(c => $"<code>{Html.Text(c)}</code>"))}. These cases cry wolf.</p>";
        page.Append(clean).Append('\n');
        page.Append("<table class=\"matrix\"><tr><th>defect</th><th>caught by</th>");
        foreach (var @case in kill.Cases)
        {
            page.Append(CultureInfo.InvariantCulture, $"<th><code>{Html.Text(@case)}</code></th>");
        }

        page.Append("</tr>\n<tr><td><i>none (clean reference)</i></td><td></td>");
        foreach (var @case in kill.Cases)
        {
            VerdictCell(page, kill.CleanReference.TryGetValue(@case, out var v) ? v : null);
        }

        page.Append("</tr>\n");
        foreach (var defect in kill.Defects)
        {
            var killers = kill.KilledBy(defect);
            var caught = killers.Count == 0 ? "<span class=\"fail\">SURVIVED</span>"
                : string.Join(", ", killers.Select(c => $"<code>{Html.Text(c)}</code>"));
            page.Append(CultureInfo.InvariantCulture, $"<tr><td><code>{Html.Text(defect)}</code></td><td>{caught}</td>");
            foreach (var @case in kill.Cases)
            {
                VerdictCell(page, kill.Cell(defect, @case));
            }

            page.Append("</tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void VerdictCell(StringBuilder page, Verdict? verdict)
    {
        var status = verdict switch
        {
            null => CellStatus.NotRun,
            Verdict.Ok => CellStatus.Ok,
            Verdict.Fail => CellStatus.Fail,
            Verdict.Error => CellStatus.Error,
            _ => CellStatus.Skip,
        };
        page.Append(CultureInfo.InvariantCulture, $"<td class=\"cell {CellClass(status)}\" style=\"background:{PlotColors.Of(status)}\">{PlotColors.Label(status)}</td>");
    }

    // White text is unreadable on the pale colours of states that are not verdicts.
    private static string CellClass(CellStatus status) => status is CellStatus.Unavailable or CellStatus.NotRun ? "pale" : "";

    private static string Anchor(string @case, string target) =>
        "f-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{@case}\n{target}")))[..16];

    private static string Number(double v) =>
        double.IsFinite(v) ? v.ToString(Math.Abs(v) is >= 1e6 or (< 1e-3 and > 0) ? "0.###e+0" : "0.###", CultureInfo.InvariantCulture) : "—";

    private static string PValue(double p) =>
        p.ToString(p < 0.001 ? "0.#e+0" : "0.###", CultureInfo.InvariantCulture);

    private static string Words(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private const string Style = """
        body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
        h1{margin-bottom:0}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
        .meta{color:#666;font-size:90%}
        table{border-collapse:collapse;margin:.5em 0;font-size:90%}
        th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
        th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
        .matrix td.cell{text-align:center;color:#fff;font-weight:600;min-width:5em}
        .matrix td.cell a{color:#fff}.matrix td.cell.pale{color:#555;font-weight:400}
        td.num{white-space:nowrap}
        .ok{color:#2e7d32;font-weight:600}.fail{color:#c62828;font-weight:600}.error{color:#e65100;font-weight:600}
        .skip{color:#757575}.unavailable{color:#757575}
        .badge{display:inline-block;border:2px solid #ccc;border-radius:1em;padding:.2em .8em;margin:.2em .3em .2em 0}
        .badge.bad{border-color:#c62828;color:#c62828;font-weight:600}.badge.good{border-color:#2e7d32;color:#2e7d32}
        .warning{background:#fff3cd;border:1px solid #e0c060;padding:.5em}
        details.failure{border:1px solid #e0b4b4;border-radius:4px;margin:.4em 0;padding:.3em .6em;background:#fffafa}
        details summary{cursor:pointer}details h4{margin:.6em 0 .2em;font-size:95%}
        pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;max-height:30em}
        figure{display:inline-block;margin:.5em;vertical-align:top}figure img{max-width:560px;border:1px solid #eee}
        figcaption{font-size:85%;color:#555}
        """;
}
