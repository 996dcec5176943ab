using System.Globalization;
using System.Text;
using Rig.Results;
using Rig.Store;

namespace Rig.Report;

/// <summary>
/// The failures again, read the other way round: per target, which rules it broke and what it did instead, one line
/// each, as a hypervisor developer asks "where does my hypervisor deviate from the SDM". Each row quotes the case's
/// oracle (the rule and its citation) and its FAIL lines from the first failing repeat; errors are not deviations (the
/// rig could not judge) and stay in the failures section only.
/// </summary>
public static class DeviationsSection
{
    private const string OraclePrefix = "oracle: ", FailPrefix = "FAIL: ";

    public static void Append(StringBuilder page, ReleaseView view)
    {
        var byTarget = view.Results.GroupBy(CaseKey.Of)
            .Select(g => (Key: g.Key, Runs: g.Count(), Failed: g.Where(r => r.Verdict == Verdict.Fail).ToList()))
            .Where(g => g.Failed.Count > 0)
            .GroupBy(g => g.Key.Target)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        page.Append("<h2>Deviations per target</h2>\n");
        if (byTarget.Count == 0)
        {
            page.Append("<p>No target failed a rule.</p>\n");
            return;
        }

        page.Append("<p class=\"meta\">Every failed case×target: the rule the case judges and what the target did instead (the first failing repeat's evidence).</p>\n");
        foreach (var target in byTarget)
        {
            page.Append(CultureInfo.InvariantCulture, $"<h3>{Html.Text(target.Key)} ({target.Count()} failed)</h3>\n");
            page.Append("<table><tr><th>case</th><th>failed</th><th>rule</th><th>observed</th></tr>\n");
            foreach (var (key, runs, failed) in target.OrderBy(t => t.Key.CaseName, StringComparer.Ordinal))
            {
                var (rule, observed) = Read(failed[0]);
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr><td><code>{Html.Text(key.CaseName)}</code></td><td class=\"num\">{failed.Count}/{runs}</td>" +
                    $"<td>{Html.Text(rule)}</td><td>{string.Join("<br>", observed.Select(Html.Text))}</td></tr>\n");
            }

            page.Append("</table>\n");
        }
    }

    /// <summary>The oracle line and the FAIL lines of a result's evidence; its summary when the evidence has none.</summary>
    public static (string Rule, IReadOnlyList<string> Observed) Read(CaseResult result)
    {
        var lines = result.Evidence.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var rule = lines.FirstOrDefault(l => l.StartsWith(OraclePrefix, StringComparison.Ordinal))?[OraclePrefix.Length..] ?? "";
        var observed = lines.Where(l => l.StartsWith(FailPrefix, StringComparison.Ordinal)).Select(l => l[FailPrefix.Length..]).ToList();
        return (rule, observed.Count > 0 ? observed : [result.Summary]);
    }
}
