using Microsoft.Data.Sqlite;
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
    public void MetricsAndSeriesComeFromTheReleaseView() => StoreScenarios.MetricsAndSeriesComeFromTheReleaseView(DatabasePath);

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
