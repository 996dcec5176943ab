using System.Net;
using System.Text.RegularExpressions;
using Rig.Compare;
using Rig.Report;
using Rig.Store;
using Rig.Tests.Store;

namespace Rig.Tests.Report;

/// <summary>The report's fuzz section shows a stored campaign's figures (issue 21) and each crash with its replay command.</summary>
public sealed class FuzzSectionTests(SyntheticStoreFixture fixture) : IClassFixture<SyntheticStoreFixture>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rig-report-fuzz-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string Write(string release)
    {
        using var store = ResultStore.Open(fixture.DatabasePath);
        return File.ReadAllText(ReportWriter.Write(store, release, _directory.FullName, new ComparisonThresholds()).IndexPath);
    }

    private static string Section(string html) => html[html.IndexOf("<h2 id=\"fuzz\">", StringComparison.Ordinal)..];

    [Fact]
    public void A_campaign_row_has_its_seed_length_inputs_rate_coverage_sites_and_the_goal_zero_counts()
    {
        var section = Section(Write(SyntheticStore.Release));
        var row = section.Split('\n').Single(l => l.Contains($">{SampleFuzzRun.Seed}<", StringComparison.Ordinal) && l.StartsWith("<tr>", StringComparison.Ordinal));
        var cells = Regex.Matches(row, "<td[^>]*>(.*?)</td>").Select(m => m.Groups[1].Value).ToList();
        // started, target, seed, vCPUs, seconds, epochs, inputs, inputs/s, covered, sites, crashes, hangs, guest errors, guest shutdowns
        Assert.Equal(["reference", SampleFuzzRun.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "2", "62", "3", "245,000", "3,984"], cells[1..8]);
        Assert.StartsWith("9/10<br>", cells[8], StringComparison.Ordinal);
        Assert.DoesNotContain("com2", cells[8], StringComparison.Ordinal);
        Assert.Equal(["3,412", "1", "0", "0", "1"], cells[9..]);
        Assert.Contains("<td class=\"num fail\">1</td><td class=\"num ok\">0</td>", row, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crash_shows_its_escaped_evidence_and_the_command_that_replays_it()
    {
        var html = Write(SyntheticStore.Release);
        var section = Section(html);
        Assert.Contains("crash</span> of <b>reference</b> in epoch 1 (seed 8416259369615328911)", section, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert('fuzz')", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(SampleFuzzRun.HostileEvidence), section, StringComparison.Ordinal);
        var replays = Regex.Matches(section, "replay: <code>(.*?)</code>").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value));
        Assert.Equal(SampleFuzzRun.Replay, Assert.Single(replays));
        Assert.Contains("<a href=\"#fuzz\">fuzz: 1 crash or hang in 245,000 inputs</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_release_without_a_campaign_says_so_and_has_no_fuzz_badge()
    {
        var html = Write(SyntheticStore.Baseline);
        Assert.Contains("No <code>rig fuzz</code> campaign stored for this release.", Section(html), StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"#fuzz\"", html, StringComparison.Ordinal);
    }
}
