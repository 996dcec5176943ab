using Rig.Store;

namespace Rig.Tests.Report;

/// <summary>The synthetic store, filled once for all report tests (each Add is an fsync'd transaction).</summary>
public sealed class SyntheticStoreFixture : IDisposable
{
    public SyntheticStoreFixture()
    {
        using var store = ResultStore.Open(DatabasePath);
        SyntheticStore.Fill(store);
    }

    public DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory("rig-report-store-");

    public string DatabasePath => Path.Combine(Directory.FullName, "rig.db");

    public void Dispose() => Directory.Delete(recursive: true);
}
