using Microsoft.Data.Sqlite;
using Rig.Results;
using Rig.Store;

namespace Rig.Tests.Store;

public sealed class SqliteStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rig-store-");

    private string DatabasePath => Path.Combine(_directory.FullName, "nested", "rig.db");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void RoundTripKeepsEverything() => StoreScenarios.RoundTripKeepsEverything(DatabasePath);

    [Fact]
    public void RoundTripThroughDataSourceConnectionString() =>
        StoreScenarios.RoundTripKeepsEverything($"Data Source={DatabasePath}");

    [Fact]
    public void ReleaseViewMergesShardsAndReruns() => StoreScenarios.ReleaseViewMergesShardsAndReruns(DatabasePath);

    [Fact]
    public void MetricJudgementsRoundTrip() => StoreScenarios.MetricJudgementsRoundTrip(DatabasePath);

    [Fact]
    public void MetricsAndSeriesComeFromTheReleaseView() => StoreScenarios.MetricsAndSeriesComeFromTheReleaseView(DatabasePath);

    [Fact]
    public void FuzzRunsRoundTripUnderTheirRelease() =>
        StoreScenarios.FuzzRunsRoundTripUnderTheirRelease(DatabasePath);

    [Fact]
    public void A_v1_store_gains_run_settings_and_keeps_its_runs_without_them()
    {
        using (var store = ResultStore.Open(DatabasePath))
        {
            store.BeginRun(SampleRuns.Run("r1", "old-run"));
        }

        // What a v1 rig left: the runs table without the settings columns, schema version 1.
        using (var v1 = new SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            v1.Open();
            using var downgrade = v1.CreateCommand();
            downgrade.CommandText = "ALTER TABLE runs DROP COLUMN profile; ALTER TABLE runs DROP COLUMN repeats; " +
                                    "ALTER TABLE runs DROP COLUMN seed; ALTER TABLE metrics DROP COLUMN judged_by; " +
                                    "UPDATE rig_schema SET version = 1";
            downgrade.ExecuteNonQuery();
        }

        using var migrated = ResultStore.Open(DatabasePath);
        migrated.BeginRun(SampleRuns.Run("r1", "new-run", minutesAfterEpoch: 1));
        Assert.Equal([null, SampleRuns.Settings], migrated.Runs("r1").Select(r => r.Info.Settings));
    }

    [Fact]
    public void A_v2_store_gains_metric_judgements_and_says_its_old_samples_did_not_record_them()
    {
        using (var store = ResultStore.Open(DatabasePath))
        {
            var run = SampleRuns.Run("r1", "old-run");
            store.BeginRun(run);
            store.Add(run.RunId, SampleRuns.Result("timer", "reference", Verdict.Ok, SampleRuns.Latencies("latency", 10)));
        }

        // What a v2 rig left: metrics without judged_by, schema version 2.
        using (var v2 = new SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            v2.Open();
            using var downgrade = v2.CreateCommand();
            downgrade.CommandText = "ALTER TABLE metrics DROP COLUMN judged_by; UPDATE rig_schema SET version = 2";
            downgrade.ExecuteNonQuery();
        }

        using var migrated = ResultStore.Open(DatabasePath);
        Assert.Null(migrated.Results("old-run").Single().Metrics.Single().JudgedBy);
        var next = SampleRuns.Run("r1", "new-run", minutesAfterEpoch: 1);
        migrated.BeginRun(next);
        migrated.Add(next.RunId, SampleRuns.Result("timer", "reference", Verdict.Ok, SampleRuns.Latencies("latency", 11)));
        Assert.Equal("", migrated.Results("new-run").Single().Metrics.Single().JudgedBy);
    }

    [Fact]
    public void DefaultLocationIsResultsRigDb()
    {
        var location = StoreLocation.Parse(null);
        Assert.False(location.IsPostgres);
        Assert.Equal("results/rig.db", location.Display);
    }

    [Fact]
    public void HostConnectionStringMeansPostgres() =>
        Assert.True(StoreLocation.Parse("Host=db.lab;Database=rig;Username=rig;Password=secret").IsPostgres);

    [Fact]
    public void SchemaNewerThanTheRigIsRefused()
    {
        ResultStore.Open(DatabasePath).Dispose();
        using (var raw = new SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            raw.Open();
            using var bump = raw.CreateCommand();
            bump.CommandText = "UPDATE rig_schema SET version = 99";
            bump.ExecuteNonQuery();
        }

        var e = Assert.Throws<StoreException>(() => ResultStore.Open(DatabasePath));
        Assert.Contains("v99", e.Message);
    }

    [Fact]
    public void AFileThatIsNotADatabaseIsAClearError()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        File.WriteAllBytes(DatabasePath, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37))]);
        var e = Assert.Throws<StoreException>(() => ResultStore.Open(DatabasePath));
        Assert.Contains(DatabasePath, e.Message);
    }

    [Fact]
    public void EndingAnUnknownRunIsAnError() =>
        Assert.Throws<StoreException>(() =>
        {
            using var store = ResultStore.Open(DatabasePath);
            store.EndRun("no-such-run", SampleRuns.Epoch);
        });
}
