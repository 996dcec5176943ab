using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Rig.Compare;
using Rig.Report;
using Rig.Store;
using Rig.Tests.Plots;

namespace Rig.Tests.Report;

public sealed class ReportWriterTests(SyntheticStoreFixture fixture) : IClassFixture<SyntheticStoreFixture>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rig-report-");

    public void Dispose() => _directory.Delete(recursive: true);

    private (string Html, string Path) Write(string release = SyntheticStore.Release)
    {
        using var store = ResultStore.Open(fixture.DatabasePath);
        var (index, _) = ReportWriter.Write(store, release, _directory.FullName, new ComparisonThresholds());
        return (File.ReadAllText(index), index);
    }

    [Fact]
    public void ThePageIsAtResultsReleaseIndexHtmlWithItsPlotsBesideIt()
    {
        var (html, path) = Write();
        Assert.Equal(Path.Combine(_directory.FullName, SyntheticStore.Release, "index.html"), path);
        Assert.Contains("<img src=\"plots/matrix.png\"", html);
        Assert.Contains("<img src=\"plots/cdf-apic.timer-after-reboot.first_tick_us.png\"", html);
        ImageFiles.AssertPng(Path.Combine(_directory.FullName, SyntheticStore.Release, "plots", "matrix.png"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EveryMetricSaysWhetherAnOracleJudgesItAndByWhichBound()
    {
        var (html, _) = Write();
        var judged = html.Split('\n').First(l => l.Contains("<td>nmi_latency_us</td>", StringComparison.Ordinal));
        Assert.Contains(WebUtility.HtmlEncode(SyntheticStore.JudgedNmiLatency), judged);
        var informational = html.Split('\n').First(l => l.Contains("<td>first_tick_us</td>", StringComparison.Ordinal));
        Assert.Contains("information only", informational);
    }

    [Fact]
    public void GuestEvidenceIsEscaped()
    {
        var (html, _) = Write();
        Assert.DoesNotContain("<script>alert", html);
        Assert.DoesNotContain("\u001b", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode("<script>alert('pwned')</script>"), html);
        Assert.Contains("\\x1B[31mred", html);
    }

    [Fact]
    public void TheKillMatrixNamesWhatCaughtEachDefectAndTheSurvivor()
    {
        var (html, _) = Write();
        Assert.Contains("Kill matrix", html);
        Assert.Contains("4/5 defects caught", html);
        var survivorRow = html.Split('\n').Single(l => l.Contains("<code>unmask-without-lock</code>", StringComparison.Ordinal));
        Assert.Contains("SURVIVED", survivorRow);
        var caughtRow = html.Split('\n').Single(l => l.Contains("<code>stale-isr-on-reset</code>", StringComparison.Ordinal));
        Assert.Contains("<code>apic.reset-state</code>, <code>apic.timer-after-reboot</code>", caughtRow);
        Assert.Contains("The clean reference failed nothing.", html);
    }

    [Fact]
    public void TheComparisonWithThePreviousReleaseShowsTheRegressionAndTheDrift()
    {
        var (html, _) = Write();
        Assert.Contains($"Compared with {SyntheticStore.Baseline}", html);
        Assert.Contains($"2 regressions vs {SyntheticStore.Baseline}", html); // one verdict, one drift: noise adds none
        var regression = html.Split('\n').First(l => l.Contains(">regression<", StringComparison.Ordinal));
        Assert.Contains("time.pvclock-scale-delta", regression);
        Assert.Contains("qemu-kvm", regression);
        var drift = html.Split('\n').First(l => l.Contains(">regression</td><td><code>apic.timer-after-reboot", StringComparison.Ordinal));
        Assert.Contains("qemu-tcg", drift);
    }

    [Fact]
    public void EveryImageAndLinkThePageReferencesExists()
    {
        var (html, path) = Write();
        var references = Regex.Matches(html, "(?:src|href)=\"([^\"#]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))
            .Where(r => !r.Contains("://", StringComparison.Ordinal) && !r.StartsWith("mailto:", StringComparison.Ordinal)).ToList();
        Assert.Contains(references, r => r.EndsWith(".svg", StringComparison.Ordinal));
        Assert.Contains(references, r => r.EndsWith(".tsv", StringComparison.Ordinal));
        foreach (var reference in references)
        {
            var file = Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(reference));
            Assert.True(File.Exists(file), $"the page links {reference}, which is not there");
        }
    }

    [Fact]
    public void EveryFailureEndsWithTheCommandThatRerunsIt()
    {
        var (html, _) = Write();
        var failures = Regex.Matches(html, "<details id=\"[^\"]+\" class=\"failure\">").Count;
        var reruns = Regex.Matches(html, "rerun: <code>(.*?)</code>").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.True(failures > 0);
        Assert.Equal(failures, reruns.Count);
        Assert.All(reruns, r => Assert.Matches("^\\./run\\.sh run --suite [a-z-]+ --target [a-z0-9-]+ --filter [a-z0-9.-]+ --profile lab --repeat 3 --seed 424242$", r));
    }

    [Fact]
    public void ThePageIsWellFormedEnoughToParseAsXml()
    {
        // Not a requirement of HTML, but a cheap check that every element we open is closed and nothing leaks raw markup.
        var (html, _) = Write();
        var body = html[html.IndexOf("<body>", StringComparison.Ordinal)..html.IndexOf("</html>", StringComparison.Ordinal)];
        var doc = XDocument.Parse(body.Replace("<br>", "<br/>", StringComparison.Ordinal).Replace("&nbsp;", " ", StringComparison.Ordinal));
        Assert.Equal("body", doc.Root!.Name.LocalName);
    }

    [Fact]
    public void AnUnknownReleaseIsAClearError()
    {
        var e = Assert.Throws<StoreException>(() => Write(release: "no-such-release"));
        Assert.Contains(SyntheticStore.Release, e.Message);
    }
}
