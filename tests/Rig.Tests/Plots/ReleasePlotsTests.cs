using Rig.Plots;
using Rig.Results;
using Rig.Store;
using Rig.Tests.Store;

namespace Rig.Tests.Plots;

public sealed class ReleasePlotsTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rig-plots-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static ReleaseView View(string release, int runMinute, double latencyScale, string hostileCase = "timer")
    {
        var run = new StoredRun(SampleRuns.Run(release, $"{release}-run", runMinute), null);
        var drift = Enumerable.Range(0, 20).SelectMany(i => new[]
        {
            new SeriesPoint("vcpu0.tsc", i * 0.5, i * 0.01),
            new SeriesPoint("vcpu1.tsc", i * 0.5, -i * 0.02),
        }).ToList();
        CaseResult[] results =
        [
            SampleRuns.Result(hostileCase, "reference", Verdict.Ok,
                SampleRuns.Latencies("first_tick_us", [.. Enumerable.Range(1, 50).Select(i => i * latencyScale)])),
            SampleRuns.Result(hostileCase, "qemu-kvm", Verdict.Fail,
                SampleRuns.Latencies("first_tick_us", [.. Enumerable.Range(1, 50).Select(i => i * i * latencyScale)])),
            SampleRuns.Result("tsc-drift", "qemu-kvm", Verdict.Ok, series: drift, suite: "time"),
            SampleRuns.Result("nmi-nesting", "qemu-kvm", Verdict.Error, suite: "nmi-mce"),
            SampleRuns.Result("nmi-nesting", "reference", Verdict.Skip, suite: "nmi-mce"),
        ];
        return ReleaseView.Merge(release, [(run, results)]);
    }

    [Fact]
    public void EveryPlotIsAValidPngAndSvgWithItsData()
    {
        var history = new[] { View("r1", 0, 1.0), View("r2", 10, 1.5) };
        var plots = ReleasePlots.Draw(history[^1], history, _directory.FullName);

        var names = plots.Select(p => Path.GetFileNameWithoutExtension(p.PngPath)).ToList();
        Assert.Contains("matrix", names);
        Assert.Contains("drift-time.tsc-drift.qemu-kvm", names);
        Assert.Contains("cdf-apic.timer.first_tick_us", names);
        Assert.Contains("trend-pass-rate", names);
        Assert.Contains("trend-apic.timer.first_tick_us", names);
        foreach (var plot in plots)
        {
            ImageFiles.AssertPng(plot.PngPath);
            ImageFiles.AssertSvg(plot.SvgPath);
            var header = File.ReadLines(plot.DataPath).First().Split('\t');
            Assert.True(header.Length >= 3, $"{plot.DataPath} has no header of its columns");
        }

        var matrix = File.ReadAllLines(Path.Combine(_directory.FullName, "matrix.tsv"));
        Assert.Contains("apic.timer\txen\tunavailable", matrix);
        Assert.Contains("time.tsc-drift\treference\tnot run", matrix);
    }

    [Fact]
    public void EachDriftLineOfAClockKeepsOneColourAndEachRepeatItsOwnMarker()
    {
        // Six clocks over two repeats: twelve lines, more than the ten colours of ScottPlot's default palette.
        string[] clocks = [.. from vcpu in new[] { "vcpu0", "vcpu1" } from clock in new[] { "kvmclock", "tsc", "xenclock" } select $"{vcpu}.{clock}"];
        var run = new StoredRun(SampleRuns.Run("r1", "r1-run", 0), null);
        var results = Enumerable.Range(0, 2).Select(repeat => SampleRuns.Result("drift", "reference", Verdict.Ok, suite: "time", repeat: repeat,
            series: [.. clocks.SelectMany(c => Enumerable.Range(0, 5).Select(i => new SeriesPoint(c, i, i * 0.1)))])).ToArray();
        var spec = DriftPlot.Specs(ReleaseView.Merge("r1", [(run, results)])).Single();
        var plot = new ScottPlot.Plot();
        spec.Draw(plot);

        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        Assert.Equal(12, lines.Count);
        var byClock = lines.GroupBy(l => l.LegendText.Split(' ')[0]).ToList();
        Assert.All(byClock, clock => Assert.Single(clock.Select(l => l.Color).Distinct()));
        Assert.Equal(clocks.Length, byClock.Select(clock => clock.First().Color).Distinct().Count());
        Assert.All(byClock, clock => Assert.Equal(2, clock.Select(l => l.MarkerShape).Distinct().Count()));
    }

    [Fact]
    public void ThePassRateTrendNamesItsReleasesOnTheAxis()
    {
        var history = new[] { View("r1", 0, 1.0), View("r2", 10, 1.5) };
        var trend = ReleasePlots.Draw(history[^1], history, _directory.FullName).Single(p => p.PngPath.EndsWith("trend-pass-rate.png", StringComparison.Ordinal));
        var texts = ImageFiles.AssertSvg(trend.SvgPath).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("r1", texts);
        Assert.Contains("r2", texts);
    }

    [Fact]
    public void TheDriftScaleIgnoresTheSettlingStartOfTheWindow()
    {
        // Cumulative drift over a short window is noise: 400 ppm after 0.1 s, then a steady 3 ppm.
        var points = new List<(double X, double Y)> { (0.1, 400), (0.2, -250) };
        points.AddRange(Enumerable.Range(1, 20).Select(i => (i * 1.0, 3.0 + (i % 2))));
        var (low, high) = DriftPlot.SettledRange(points)!.Value;
        Assert.InRange(low, 0, 3);
        Assert.InRange(high, 4, 7);
        Assert.Null(DriftPlot.SettledRange([]));
    }

    [Fact]
    public void HostileNamesDoNotBreakThePlots()
    {
        var view = View("r'1\"", 0, 1.0, hostileCase: "it's\n\"quoted\"\t{x}_^@");
        var plots = ReleasePlots.Draw(view, [view], _directory.FullName);
        Assert.NotEmpty(plots);
        Assert.All(plots, p => ImageFiles.AssertPng(p.PngPath));
    }

    [Fact]
    public void TheMatrixNeverShowsAnUnavailableOrUnrunTargetAsPassing()
    {
        var matrix = PassFailMatrix.Of(View("r1", 0, 1.0));
        Assert.Equal(["apic.timer", "nmi-mce.nmi-nesting", "time.tsc-drift"], matrix.Cases);
        Assert.Equal(CellStatus.Unavailable, matrix["apic.timer", "xen"]);
        Assert.Equal(CellStatus.NotRun, matrix["time.tsc-drift", "reference"]);
        Assert.Equal(CellStatus.Fail, matrix["apic.timer", "qemu-kvm"]);
        Assert.Equal(CellStatus.Error, matrix["nmi-mce.nmi-nesting", "qemu-kvm"]);
        Assert.Equal(CellStatus.Skip, matrix["nmi-mce.nmi-nesting", "reference"]);
    }
}
