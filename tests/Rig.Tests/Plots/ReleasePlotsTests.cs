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

    [RequiresGnuplotFact]
    public void EveryPlotIsAValidPngAndSvgWithItsScriptAndData()
    {
        var history = new[] { View("r1", 0, 1.0), View("r2", 10, 1.5) };
        var plots = ReleasePlots.Draw(history[^1], history, _directory.FullName);

        var names = plots.Select(p => Path.GetFileNameWithoutExtension(p.PngPath)).ToList();
        Assert.Contains("matrix", names);
        Assert.Contains("drift-time.tsc-drift", names);
        Assert.Contains("cdf-apic.timer.first_tick_us", names);
        Assert.Contains("trend-pass-rate", names);
        Assert.Contains("trend-apic.timer.first_tick_us", names);
        foreach (var plot in plots)
        {
            ImageFiles.AssertPng(plot.PngPath);
            ImageFiles.AssertSvg(plot.SvgPath);
            Assert.Contains("gnuplot", File.ReadAllText(plot.ScriptPath));
        }

        Assert.True(File.Exists(Path.Combine(_directory.FullName, "matrix.dat")));
    }

    [RequiresGnuplotFact]
    public void ScriptsReplotOnTheirOwn()
    {
        var view = View("r1", 0, 1.0);
        var plot = ReleasePlots.Draw(view, [view], _directory.FullName).First();
        File.Delete(plot.PngPath);
        var (exit, output) = BoundedProcess.Run("sh", ["-c", $"cd '{_directory.FullName}' && gnuplot '{Path.GetFileName(plot.ScriptPath)}'"],
            TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
        ImageFiles.AssertPng(plot.PngPath);
    }

    [RequiresGnuplotFact]
    public void HostileNamesDoNotBreakTheScripts()
    {
        var view = View("r'1\"", 0, 1.0, hostileCase: "it's\n\"quoted\"\t{x}_^@");
        var plots = ReleasePlots.Draw(view, [view], _directory.FullName);
        Assert.NotEmpty(plots);
        Assert.All(plots, p => ImageFiles.AssertPng(p.PngPath));
    }

    [Fact]
    public void MissingGnuplotIsAClearError()
    {
        var view = View("r1", 0, 1.0);
        var spec = PassFailMatrixPlot.Spec("r1", PassFailMatrix.Of(view))!;
        var e = Assert.Throws<PlotException>(() =>
            GnuplotRenderer.Render(_directory.FullName, [spec], gnuplot: "/nonexistent/gnuplot"));
        Assert.Contains("gnuplot-nox", e.Message);
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
