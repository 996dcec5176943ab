namespace Rig.Tests.Store;

/// <summary>The same scenarios as SQLite against a real PostgreSQL server: the schema and SQL must be portable.</summary>
public sealed class PostgresStoreTests
{
    [RequiresPostgresFact]
    public void RoundTripKeepsEverything() =>
        StoreScenarios.RoundTripKeepsEverything(TemporaryPostgres.Shared.Value.NewDatabase());

    [RequiresPostgresFact]
    public void ReleaseViewMergesShardsAndReruns() =>
        StoreScenarios.ReleaseViewMergesShardsAndReruns(TemporaryPostgres.Shared.Value.NewDatabase());

    [RequiresPostgresFact]
    public void MetricJudgementsRoundTrip() => StoreScenarios.MetricJudgementsRoundTrip(TemporaryPostgres.Shared.Value.NewDatabase());

    [RequiresPostgresFact]
    public void MetricsAndSeriesComeFromTheReleaseView() =>
        StoreScenarios.MetricsAndSeriesComeFromTheReleaseView(TemporaryPostgres.Shared.Value.NewDatabase());

    [RequiresPostgresFact]
    public void FuzzRunsRoundTripUnderTheirRelease() =>
        StoreScenarios.FuzzRunsRoundTripUnderTheirRelease(TemporaryPostgres.Shared.Value.NewDatabase());
}
