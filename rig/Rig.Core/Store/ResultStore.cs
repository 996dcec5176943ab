using System.Data;
using System.Data.Common;
using System.Globalization;
using Rig.Results;

namespace Rig.Store;

/// <summary>
/// Every run the rig made, per release: SQLite by default, PostgreSQL for a lab (see <see cref="StoreLocation"/>).
/// Each write is one transaction committed before the call returns, so a killed run keeps all it recorded.
/// Calls are serialised: the runner may report from several threads, and one connection is not thread-safe.
/// </summary>
public sealed partial class ResultStore : IResultSink, IDisposable
{
    private readonly DbConnection _connection;
    private readonly Lock _gate = new();

    private ResultStore(StoreLocation location, DbConnection connection)
    {
        Location = location;
        _connection = connection;
    }

    public StoreLocation Location { get; }

    /// <summary>Opens (creating if needed) the store at a path or connection string; null means results/rig.db.</summary>
    public static ResultStore Open(string? location)
    {
        var parsed = StoreLocation.Parse(location);
        DbConnection? connection = null;
        try
        {
            connection = parsed.Open();
            StoreSchema.Create(parsed, connection);
            return new ResultStore(parsed, connection);
        }
        catch (DbException e)
        {
            connection?.Dispose();
            throw new StoreException($"results store {parsed.Display}: {parsed.Explain(e)}", e);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    public void Dispose() => _connection.Dispose();

    public void BeginRun(RunInfo run) => Write(tx =>
    {
        var started = Ticks(run.Started);
        AddRelease(tx, run.Release, started);
        Execute(tx,
            """
            INSERT INTO runs (run_id, release, started_ticks, ended_ticks, defect, hostname, cpu_model, kernel, kvm_module,
                              profile, repeats, seed)
            VALUES (@id, @release, @t, NULL, @defect, @host, @cpu, @kernel, @kvm, @profile, @repeats, @seed)
            """,
            ("id", run.RunId), ("release", run.Release), ("t", started), ("defect", run.Defect),
            ("host", run.Host.Hostname), ("cpu", run.Host.CpuModel), ("kernel", run.Host.Kernel), ("kvm", run.Host.KvmModule),
            ("profile", run.Settings?.Profile), ("repeats", run.Settings?.Repeats), ("seed", (long?)run.Settings?.Seed));
        foreach (var (name, value) in run.Host.KvmParameters)
        {
            Execute(tx, "INSERT INTO run_kvm_parameters (run_id, name, value) VALUES (@id, @name, @value)",
                ("id", run.RunId), ("name", name), ("value", value));
        }

        for (var i = 0; i < run.Targets.Count; i++)
        {
            var target = run.Targets[i];
            Execute(tx,
                "INSERT INTO run_targets (run_id, ordinal, name, available, reason, version) VALUES (@id, @i, @name, @a, @reason, @version)",
                ("id", run.RunId), ("i", i), ("name", target.Name), ("a", target.Available ? 1 : 0),
                ("reason", target.Reason), ("version", target.Version));
        }
    });

    public void Add(string runId, CaseResult result) => Write(tx =>
    {
        var seq = Convert.ToInt32(
            Scalar(tx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM results WHERE run_id = @id", ("id", runId)),
            CultureInfo.InvariantCulture);
        var resultId = Guid.NewGuid().ToString("N");
        Execute(tx,
            """
            INSERT INTO results (result_id, run_id, seq, suite, case_name, target, repeat_index, verdict, summary,
                                 evidence, log, started_ticks, duration_ticks)
            VALUES (@rid, @id, @seq, @suite, @case, @target, @repeat, @verdict, @summary, @evidence, @log, @t, @d)
            """,
            ("rid", resultId), ("id", runId), ("seq", seq), ("suite", result.Suite), ("case", result.Case),
            ("target", result.Target), ("repeat", result.Repeat), ("verdict", result.Verdict.ToWire()),
            ("summary", result.Summary), ("evidence", result.Evidence), ("log", result.Log),
            ("t", Ticks(result.Started)), ("d", result.Duration.Ticks));
        InsertRows(tx, "INSERT INTO metrics (result_id, ordinal, name, value, unit, judged_by) VALUES (@rid, @i, @a, @b, @c, @d)",
            resultId, result.Metrics, m => [m.Name, m.Value, m.Unit, m.JudgedBy]);
        InsertRows(tx, "INSERT INTO series (result_id, ordinal, series, x, y) VALUES (@rid, @i, @a, @b, @c)",
            resultId, result.Series, p => [p.Series, p.X, p.Y]);
    });

    public void EndRun(string runId, DateTimeOffset ended) => Write(tx =>
    {
        var changed = Execute(tx, "UPDATE runs SET ended_ticks = @t WHERE run_id = @id", ("t", Ticks(ended)), ("id", runId));
        if (changed != 1)
        {
            throw new StoreException($"results store: no run '{runId}' to end");
        }
    });

    /// <summary>Releases in the order they first appeared, oldest first: the x axis of every trend.</summary>
    public IReadOnlyList<string> Releases() => Read(tx =>
        Query(tx, "SELECT name FROM releases ORDER BY first_seen_ticks, name", r => r.GetString(0)));

    /// <summary>All runs of a release, clean and mutate, oldest first.</summary>
    public IReadOnlyList<StoredRun> Runs(string release) => Read(tx =>
    {
        var rows = Query(tx,
            """
            SELECT run_id, release, started_ticks, ended_ticks, defect, hostname, cpu_model, kernel, kvm_module,
                   profile, repeats, seed
            FROM runs WHERE release = @release ORDER BY started_ticks, run_id
            """,
            r => (Id: r.GetString(0), Release: r.GetString(1), Started: r.GetInt64(2), Ended: NullableInt64(r, 3),
                  Defect: r.IsDBNull(4) ? null : r.GetString(4), Host: r.GetString(5), Cpu: r.GetString(6),
                  Kernel: r.GetString(7), Kvm: r.GetString(8),
                  Settings: r.IsDBNull(9) ? null : new RunSettings(r.GetString(9), Convert.ToInt32(r.GetValue(10), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(11), CultureInfo.InvariantCulture))),
            ("release", release));
        return rows.Select(row =>
        {
            var parameters = Query(tx, "SELECT name, value FROM run_kvm_parameters WHERE run_id = @id ORDER BY name",
                r => (r.GetString(0), r.GetString(1)), ("id", row.Id)).ToDictionary(p => p.Item1, p => p.Item2);
            var targets = Query(tx,
                "SELECT name, available, reason, version FROM run_targets WHERE run_id = @id ORDER BY ordinal",
                r => new TargetInfo(r.GetString(0), r.GetInt64(1) != 0, r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3)),
                ("id", row.Id));
            var info = new RunInfo(row.Id, row.Release, FromTicks(row.Started),
                new HostFacts(row.Host, row.Cpu, row.Kernel, row.Kvm, parameters), targets, row.Defect, row.Settings);
            return new StoredRun(info, row.Ended is { } e ? FromTicks(e) : null);
        }).ToList();
    });

    /// <summary>The newest clean (non-mutate) run of a release, or null if it has none.</summary>
    public StoredRun? LatestRun(string release) => Runs(release).LastOrDefault(r => !r.IsMutate);

    /// <summary><c>rig mutate</c>'s runs of a release, one per seeded defect (the kill matrix's columns).</summary>
    public IReadOnlyList<StoredRun> MutateRuns(string release) => Runs(release).Where(r => r.IsMutate).ToList();

    /// <summary>A run's results in the order they were recorded, with their metrics and series.</summary>
    public IReadOnlyList<CaseResult> Results(string runId) => Read(tx =>
    {
        var metrics = Query(tx,
            """
            SELECT m.result_id, m.name, m.value, m.unit, m.judged_by FROM metrics m JOIN results r ON r.result_id = m.result_id
            WHERE r.run_id = @id ORDER BY m.result_id, m.ordinal
            """,
            r => (Id: r.GetString(0), Sample: new MetricSample(r.GetString(1), NullableDouble(r, 2), r.GetString(3),
                                                               r.IsDBNull(4) ? null : r.GetString(4))),
            ("id", runId)).ToLookup(m => m.Id, m => m.Sample);
        var series = Query(tx,
            """
            SELECT s.result_id, s.series, s.x, s.y FROM series s JOIN results r ON r.result_id = s.result_id
            WHERE r.run_id = @id ORDER BY s.result_id, s.ordinal
            """,
            r => (Id: r.GetString(0), Point: new SeriesPoint(r.GetString(1), NullableDouble(r, 2), NullableDouble(r, 3))),
            ("id", runId)).ToLookup(p => p.Id, p => p.Point);
        return Query(tx,
            """
            SELECT result_id, suite, case_name, target, repeat_index, verdict, summary, evidence, log, started_ticks, duration_ticks
            FROM results WHERE run_id = @id ORDER BY seq
            """,
            r =>
            {
                var id = r.GetString(0);
                var verdictText = r.GetString(5);
                if (!VerdictNames.TryParse(verdictText, out var verdict))
                {
                    throw new StoreException($"results store: result {id} has unknown verdict '{verdictText}'");
                }

                return new CaseResult(r.GetString(1), r.GetString(2), r.GetString(3), verdict, r.GetString(6),
                    r.GetString(7), metrics[id].ToList(), series[id].ToList(), r.GetString(8),
                    FromTicks(r.GetInt64(9)), TimeSpan.FromTicks(r.GetInt64(10)), (int)r.GetInt64(4));
            },
            ("id", runId));
    });

    /// <summary>The release as its clean runs leave it (see <see cref="ReleaseView"/>).</summary>
    public ReleaseView LoadRelease(string release)
    {
        var clean = Runs(release).Where(r => !r.IsMutate).Select(r => (r, Results(r.RunId))).ToList();
        return ReleaseView.Merge(release, clean);
    }

    /// <summary>Every result of one case on one target in a release's clean runs, oldest run first.</summary>
    public IReadOnlyList<CaseResult> Results(string release, CaseKey key) =>
        Runs(release).Where(r => !r.IsMutate)
            .SelectMany(r => Results(r.RunId))
            .Where(r => CaseKey.Of(r) == key)
            .ToList();

    /// <summary>The samples of one metric of one case on one target in a release: the distribution comparison tests.</summary>
    public IReadOnlyList<MetricSample> MetricSamples(string release, CaseKey key, string metric) =>
        LoadRelease(release).Results.Where(r => CaseKey.Of(r) == key)
            .SelectMany(r => r.Metrics).Where(m => m.Name == metric).ToList();

    /// <summary>The points of one case on one target in a release (the drift plots' lines), per series name.</summary>
    public IReadOnlyList<SeriesPoint> Series(string release, CaseKey key) =>
        LoadRelease(release).Results.Where(r => CaseKey.Of(r) == key).SelectMany(r => r.Series).ToList();

    /// <summary>A release is known from its first run (of any kind) on: its first time orders the trends.</summary>
    private void AddRelease(DbTransaction tx, string release, long firstSeenTicks) =>
        Execute(tx, "INSERT INTO releases (name, first_seen_ticks) VALUES (@name, @t) ON CONFLICT (name) DO NOTHING",
            ("name", release), ("t", firstSeenTicks));

    private void Write(Action<DbTransaction> work)
    {
        lock (_gate)
        {
            try
            {
                using var tx = _connection.BeginTransaction();
                work(tx);
                tx.Commit();
            }
            catch (DbException e)
            {
                throw new StoreException($"results store {Location.Display}: {Location.Explain(e)}", e);
            }
            catch (InvalidOperationException e) when (_connection.State != ConnectionState.Open)
            {
                throw Lost(e);
            }
        }
    }

    private T Read<T>(Func<DbTransaction, T> work)
    {
        lock (_gate)
        {
            try
            {
                // One transaction so a query sees one consistent state while a run is writing.
                using var tx = StoreLocation.BeginRead(_connection);
                var result = work(tx);
                tx.Commit();
                return result;
            }
            catch (DbException e)
            {
                throw new StoreException($"results store {Location.Display}: {Location.Explain(e)}", e);
            }
            catch (InvalidOperationException e) when (_connection.State != ConnectionState.Open)
            {
                throw Lost(e);
            }
        }
    }

    /// <summary>
    /// Npgsql closes a connection whose server went away (killed, restarted after a PANIC) and says so once, as a
    /// DbException; every later call finds it closed. Those are store failures too: the run stops and says why.
    /// </summary>
    private StoreException Lost(InvalidOperationException e) =>
        new($"results store {Location.Display}: the connection to it was lost earlier in this run ({e.Message})", e);

    /// <summary>One row per item: its columns in order are bound to @a, @b, @c, @d (text cleaned, NaN stored as NULL).</summary>
    private void InsertRows<T>(DbTransaction tx, string sql, string resultId, IReadOnlyList<T> rows, Func<T, object?[]> columns)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var names = new[] { "a", "b", "c", "d" }.Take(columns(rows[0]).Length).ToArray();
        using var insert = Command(tx, sql, [("rid", resultId), ("i", 0), .. names.Select(n => (n, (object?)null))]);
        for (var i = 0; i < rows.Count; i++)
        {
            var values = columns(rows[i]);
            insert.Parameters["i"].Value = i;
            for (var k = 0; k < names.Length; k++)
            {
                insert.Parameters[names[k]].Value = values[k] switch
                {
                    null => DBNull.Value,
                    string text => StoredText.Clean(text),
                    double d => NullForNaN(d),
                    var other => other,
                };
            }

            insert.ExecuteNonQuery();
        }
    }

    private DbCommand Command(DbTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value switch
            {
                null => DBNull.Value,
                string s => StoredText.Clean(s),
                _ => value,
            };
            command.Parameters.Add(p);
        }

        return command;
    }

    private int Execute(DbTransaction tx, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private object? Scalar(DbTransaction tx, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        return command.ExecuteScalar();
    }

    private List<T> Query<T>(DbTransaction tx, string sql, Func<DbDataReader, T> map, params (string, object?)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    // Both engines get the same value: SQLite would turn NaN into NULL on its own, PostgreSQL would keep it.
    private static object NullForNaN(double d) => double.IsNaN(d) ? DBNull.Value : d;

    private static long? NullableInt64(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static double NullableDouble(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

    private static long Ticks(DateTimeOffset t) => t.UtcTicks;

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);
}
