using System.Globalization;
using System.Text;

namespace Rig.Report;

/// <summary>"Host faults survived": the host-fault tests' outcomes (<see cref="HostFaultFigures"/>) with where they came from.</summary>
public static class HostFaultsSection
{
    public static void Append(StringBuilder page, HostFaultFigures? figures)
    {
        page.Append("<h2 id=\"host-faults\">Host faults survived</h2>\n");
        if (figures is null)
        {
            page.Append("<p>No host-fault test results kept: <code>./run.sh test</code> writes them to results/tests/.</p>\n");
            return;
        }

        var when = figures.Finished is { } f ? f.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "at an unrecorded time";
        int passed = figures.Count("Passed"), failed = figures.Count("Failed"), skipped = figures.Count("NotExecuted");
        page.Append(CultureInfo.InvariantCulture,
            $"<p><span class=\"{(failed == 0 ? "ok" : "fail")}\">{passed} of {figures.Tests.Count} host faults survived</span>, {failed} not, {skipped} not played here (skipped)" +
            $"{(figures.Tests.Count - passed - failed - skipped is > 0 and var other ? $", {other} other" : "")}.</p>\n" +
            $"<p class=\"meta\">Each test under <code>{Html.Text(HostFaultFigures.Namespace)}</code> plays one fault against the built rig and passes only if the case became an error " +
            $"with its reason, nothing stored was lost and no process was left; the outcomes are those of the test run that finished {when}, read from " +
            $"<code>{Html.Text(figures.TrxPath)}</code>. They belong to the checkout that ran them, not to this release.</p>\n");
        page.Append("<details><summary>every host-fault test</summary>\n<table><tr><th>test</th><th>outcome</th></tr>\n");
        foreach (var test in figures.Tests)
        {
            var css = test.Outcome switch { "Passed" => "ok", "Failed" => "fail", _ => "skip" };
            page.Append(CultureInfo.InvariantCulture, $"<tr><td><code>{Html.Text(test.Name)}</code></td><td class=\"{css}\">{Html.Text(test.Outcome)}</td></tr>\n");
        }

        page.Append("</table></details>\n");
    }
}
