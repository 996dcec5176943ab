using System.Data.Common;

namespace Rig.Store;

/// <summary>
/// The tables, in SQL both SQLite and PostgreSQL accept: TEXT, INTEGER, BIGINT, DOUBLE PRECISION, no
/// auto-increment (ids are made by the writer), times as UTC ticks so they sort and round-trip exactly.
/// </summary>
internal static class StoreSchema
{
    /// <summary>Bump when a table changes, and add the migration from the previous version to <see cref="Create"/>.</summary>
    public const int Version = 3;

    /// <summary>v1 → v2: each run keeps the profile, repeat count and seed that reproduce it (issue 20).</summary>
    private static readonly string[] ToVersion2 =
    [
        "ALTER TABLE runs ADD COLUMN profile TEXT",
        "ALTER TABLE runs ADD COLUMN repeats INTEGER",
        "ALTER TABLE runs ADD COLUMN seed BIGINT",
        "UPDATE rig_schema SET version = 2",
    ];

    /// <summary>
    /// v2 → v3: each metric sample says which oracle and bound judge it, or "" for information only (issue 12). Samples
    /// stored before keep NULL: not recorded, which the report shows as such rather than guessing.
    /// </summary>
    private static readonly string[] ToVersion3 =
    [
        "ALTER TABLE metrics ADD COLUMN judged_by TEXT",
        "UPDATE rig_schema SET version = 3",
    ];

    private static readonly string[] Tables =
    [
        "CREATE TABLE IF NOT EXISTS rig_schema (version INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS releases (name TEXT PRIMARY KEY, first_seen_ticks BIGINT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY,
            release TEXT NOT NULL REFERENCES releases(name),
            started_ticks BIGINT NOT NULL,
            ended_ticks BIGINT,
            defect TEXT,
            hostname TEXT NOT NULL,
            cpu_model TEXT NOT NULL,
            kernel TEXT NOT NULL,
            kvm_module TEXT NOT NULL,
            profile TEXT,
            repeats INTEGER,
            seed BIGINT)
        """,
        """
        CREATE TABLE IF NOT EXISTS run_kvm_parameters (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_id, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS run_targets (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            available INTEGER NOT NULL,
            reason TEXT,
            version TEXT NOT NULL,
            PRIMARY KEY (run_id, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS results (
            result_id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            seq INTEGER NOT NULL,
            suite TEXT NOT NULL,
            case_name TEXT NOT NULL,
            target TEXT NOT NULL,
            repeat_index INTEGER NOT NULL,
            verdict TEXT NOT NULL,
            summary TEXT NOT NULL,
            evidence TEXT NOT NULL,
            log TEXT NOT NULL,
            started_ticks BIGINT NOT NULL,
            duration_ticks BIGINT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS results_by_run ON results (run_id, seq)",
        """
        CREATE TABLE IF NOT EXISTS metrics (
            result_id TEXT NOT NULL REFERENCES results(result_id),
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            value DOUBLE PRECISION,
            unit TEXT NOT NULL,
            judged_by TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS metrics_by_result ON metrics (result_id)",
        """
        CREATE TABLE IF NOT EXISTS series (
            result_id TEXT NOT NULL REFERENCES results(result_id),
            ordinal INTEGER NOT NULL,
            series TEXT NOT NULL,
            x DOUBLE PRECISION,
            y DOUBLE PRECISION)
        """,
        "CREATE INDEX IF NOT EXISTS series_by_result ON series (result_id)",

        // rig fuzz campaigns (issue 21). New tables only, created by any open like the rest: no version bump, and a
        // rig that predates them still reads and writes the store.
        """
        CREATE TABLE IF NOT EXISTS fuzz_runs (
            fuzz_id TEXT PRIMARY KEY,
            release TEXT NOT NULL REFERENCES releases(name),
            started_ticks BIGINT NOT NULL,
            wall_ticks BIGINT NOT NULL,
            target TEXT NOT NULL,
            seed BIGINT NOT NULL,
            vcpus INTEGER NOT NULL,
            inputs BIGINT NOT NULL,
            sites INTEGER NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS fuzz_interfaces (
            fuzz_id TEXT NOT NULL REFERENCES fuzz_runs(fuzz_id),
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            inputs BIGINT NOT NULL,
            sites INTEGER NOT NULL,
            covered INTEGER NOT NULL,
            PRIMARY KEY (fuzz_id, ordinal))
        """,
        """
        CREATE TABLE IF NOT EXISTS fuzz_epochs (
            fuzz_id TEXT NOT NULL REFERENCES fuzz_runs(fuzz_id),
            epoch INTEGER NOT NULL,
            seed BIGINT NOT NULL,
            outcome TEXT NOT NULL,
            inputs BIGINT NOT NULL,
            wall_ticks BIGINT NOT NULL,
            evidence TEXT NOT NULL,
            replay TEXT,
            PRIMARY KEY (fuzz_id, epoch))
        """,
    ];

    // metrics.value, series.x/y are nullable because SQLite stores NaN as NULL; the reader maps NULL back to NaN.

    public static void Create(StoreLocation location, DbConnection connection)
    {
        using var tx = connection.BeginTransaction();
        location.LockSchema(connection, tx);
        Execute(connection, tx, Tables);

        using var read = connection.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "SELECT MAX(version) FROM rig_schema";
        var found = read.ExecuteScalar();
        if (found is null or DBNull)
        {
            using var stamp = connection.CreateCommand();
            stamp.Transaction = tx;
            stamp.CommandText = "INSERT INTO rig_schema (version) VALUES (@v)";
            var v = stamp.CreateParameter();
            v.ParameterName = "v";
            v.Value = Version;
            stamp.Parameters.Add(v);
            stamp.ExecuteNonQuery();
        }
        else if (Convert.ToInt32(found, System.Globalization.CultureInfo.InvariantCulture) is var stored && stored < Version)
        {
            Execute(connection, tx, stored == 1 ? [.. ToVersion2, .. ToVersion3] : ToVersion3);
        }
        else if (Convert.ToInt32(found, System.Globalization.CultureInfo.InvariantCulture) > Version)
        {
            throw new StoreException(
                $"results store has schema v{found}, newer than this rig understands (v{Version}); use a newer rig");
        }

        tx.Commit();
    }

    private static void Execute(DbConnection connection, DbTransaction tx, IEnumerable<string> statements)
    {
        foreach (var sql in statements)
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
