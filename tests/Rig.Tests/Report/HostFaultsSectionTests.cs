using Rig.Compare;
using Rig.Report;
using Rig.Store;

namespace Rig.Tests.Report;

/// <summary>"Host faults survived" is counted from the TRX file `./run.sh test` keeps, never written by hand.</summary>
public sealed class HostFaultsSectionTests(SyntheticStoreFixture fixture) : IClassFixture<SyntheticStoreFixture>, IDisposable
{
    private readonly DirectoryInfo _results = Directory.CreateTempSubdirectory("rig-report-faults-");

    public void Dispose() => _results.Delete(recursive: true);

    private string Write()
    {
        using var store = ResultStore.Open(fixture.DatabasePath);
        return File.ReadAllText(ReportWriter.Write(store, SyntheticStore.Release, _results.FullName, new ComparisonThresholds()).IndexPath);
    }

    private void KeepTrx(string results)
    {
        var path = HostFaultFigures.KeptAt(_results.FullName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Times creation="2026-12-02T11:14:00.0000000+00:00" start="2026-12-02T11:14:01.0000000+00:00" finish="2026-12-02T11:27:30.0000000+00:00" />
              <Results>{results}</Results>
            </TestRun>
            """);
    }

    [Fact]
    public void The_figure_counts_the_fault_tests_outcomes_and_names_the_file_and_time()
    {
        KeepTrx("""
            <UnitTestResult testName="Rig.Tests.Faults.VmmKilledTests.Qemu_and_rig_hv_killed_mid_case" outcome="Passed" />
            <UnitTestResult testName="Rig.Tests.Faults.StoreFaultTests.A_full_disk_mid_run" outcome="Failed" />
            <UnitTestResult testName="Rig.Tests.Faults.StoreFaultTests.A_full_disk_under_postgresql" outcome="NotExecuted" />
            <UnitTestResult testName="Rig.Tests.Faults.BadInputTests.A_bad_rig_json(kind: &quot;syntax&quot;)" outcome="Passed" />
            <UnitTestResult testName="Rig.Tests.Report.FuzzSectionTests.Not_a_fault" outcome="Failed" />
            """);

        var html = Write();

        Assert.Contains("<span class=\"fail\">2 of 4 host faults survived</span>, 1 not, 1 not played here (skipped).", html, StringComparison.Ordinal);
        Assert.Contains("finished 2026-12-02 11:27 UTC", html, StringComparison.Ordinal);
        Assert.Contains(HostFaultFigures.KeptAt(_results.FullName), html, StringComparison.Ordinal);
        Assert.Contains("<code>BadInputTests.A_bad_rig_json(kind: &quot;syntax&quot;)</code></td><td class=\"ok\">Passed</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Not_a_fault", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_kept_test_results_the_page_says_where_they_would_come_from()
    {
        Assert.Contains("No host-fault test results kept: <code>./run.sh test</code> writes them to results/tests/.", Write(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_trx_file_is_a_warning_on_the_page_not_a_failed_report()
    {
        var path = HostFaultFigures.KeptAt(_results.FullName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "<TestRun><Results>cut off");

        Assert.Contains("host-fault figures were not read:", Write(), StringComparison.Ordinal);
    }
}
