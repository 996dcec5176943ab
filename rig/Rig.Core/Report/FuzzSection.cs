using System.Globalization;
using System.Text;
using Rig.Fuzz;

namespace Rig.Report;

/// <summary>
/// "Fuzzing": the release's <c>rig fuzz</c> campaigns as issue 21 asks for their figures: per campaign its seed, length,
/// inputs tried and their rate, interfaces covered, rig-hv handler sites reached, host crashes and hangs (goal 0 each:
/// a guest must not crash or hang its host) and what the guests did to themselves; then each crash or hang with its
/// evidence and the command that replays it, and the inputs and sites per interface.
/// </summary>
public static class FuzzSection
{
    public static void Append(StringBuilder page, IReadOnlyList<FuzzRunSummary> runs)
    {
        page.Append("<h2 id=\"fuzz\">Fuzzing (rig fuzz)</h2>\n");
        if (runs.Count == 0)
        {
            page.Append("<p>No <code>rig fuzz</code> campaign stored for this release.</p>\n");
            return;
        }

        page.Append("<p class=\"meta\">A fuzzing probe drives every guest-facing interface with random input, epoch after epoch (one VM each). " +
                    "Crashes and hangs are the hypervisor's (goal 0); guest errors and shutdowns are what the guest did to itself. " +
                    "Interfaces covered: inputs ran and reached a handler site of the VMM (resets: ran).</p>\n");
        page.Append("<table><tr><th>started (UTC)</th><th>target</th><th>seed</th><th>vCPUs</th><th>seconds</th><th>epochs</th><th>inputs</th>" +
                    "<th>inputs/s</th><th>interfaces covered</th><th>handler sites</th><th>crashes (goal 0)</th><th>hangs (goal 0)</th>" +
                    "<th>guest errors</th><th>guest shutdowns</th></tr>\n");
        foreach (var run in runs)
        {
            var covered = run.Interfaces.Where(i => i.Covered).Select(i => i.Name).ToList();
            page.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{run.Started.UtcDateTime:yyyy-MM-dd HH:mm:ss}</td><td>{Html.Text(run.Target)}</td><td class=\"num\">{run.Seed}</td>" +
                $"<td class=\"num\">{run.Vcpus}</td><td class=\"num\">{run.Wall.TotalSeconds:0}</td><td class=\"num\">{run.Epochs.Count}</td>" +
                $"<td class=\"num\">{run.Inputs:N0}</td><td class=\"num\">{run.InputsPerSecond:N0}</td>" +
                $"<td>{covered.Count}/{run.Interfaces.Count}<br><small>{Html.Text(string.Join(", ", covered))}</small></td><td class=\"num\">{run.Sites:N0}</td>" +
                $"{Goal(run.Count(FuzzOutcome.Crash))}{Goal(run.Count(FuzzOutcome.Hang))}" +
                $"<td class=\"num\">{run.Count(FuzzOutcome.GuestError)}</td><td class=\"num\">{run.Count(FuzzOutcome.GuestShutdown)}</td></tr>\n");
        }

        page.Append("</table>\n");
        foreach (var run in runs)
        {
            Findings(page, run);
        }

        page.Append("<details><summary>inputs and handler sites per interface</summary>\n");
        foreach (var run in runs)
        {
            page.Append(CultureInfo.InvariantCulture,
                $"<h4>seed {run.Seed} on {Html.Text(run.Target)}, {run.Started.UtcDateTime:yyyy-MM-dd HH:mm}</h4>\n<table><tr><th>interface</th><th>inputs</th><th>handler sites</th><th>covered</th></tr>\n");
            foreach (var i in run.Interfaces)
            {
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{Html.Text(i.Name)}</td><td class=\"num\">{i.Inputs:N0}</td><td class=\"num\">{i.Sites:N0}</td><td>{(i.Covered ? "yes" : "<span class=\"fail\">no</span>")}</td></tr>\n");
            }

            page.Append("</table>\n");
        }

        page.Append("</details>\n");
    }

    private static string Goal(int count) =>
        string.Create(CultureInfo.InvariantCulture, $"<td class=\"num {(count == 0 ? "ok" : "fail")}\">{count}</td>");

    private static void Findings(StringBuilder page, FuzzRunSummary run)
    {
        foreach (var finding in run.Findings)
        {
            var outcome = finding.Outcome.ToString().ToLowerInvariant();
            page.Append(CultureInfo.InvariantCulture, $"""
                <details class="failure"><summary><span class="fail">{outcome}</span> of <b>{Html.Text(run.Target)}</b> in epoch {finding.Number} (seed {finding.Seed}) of campaign {run.Seed}: {Html.Text(finding.Evidence)}</summary>
                <pre>{Html.Text(finding.Evidence)}</pre>
                <p class="meta">replay: <code>{Html.Text(finding.Replay ?? "not recorded")}</code></p></details>

                """);
        }
    }
}
