using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Rig.Store;

/// <summary>
/// Where results live: a file path or <c>Data Source=...</c> is SQLite (the default, <c>results/rig.db</c>);
/// a connection string with <c>Host=</c> is PostgreSQL, so a lab's shards meet in one database.
/// This is the only place the two engines differ.
/// </summary>
public sealed partial class StoreLocation
{
    public const string DefaultSqlitePath = "results/rig.db";

    /// <summary>How long a write waits for a lock another process holds, unless the store says otherwise (both engines).</summary>
    private const int DefaultLockWaitSeconds = 30;

    private readonly string? _postgresLockWait;

    private StoreLocation(bool isPostgres, string connectionString, string display, string? postgresLockWait = null)
    {
        IsPostgres = isPostgres;
        ConnectionString = connectionString;
        Display = display;
        _postgresLockWait = postgresLockWait;
    }

    public bool IsPostgres { get; }

    public string ConnectionString { get; }

    /// <summary>For messages: the SQLite path, or the PostgreSQL host and database without the password.</summary>
    public string Display { get; }

    public static StoreLocation Parse(string? location)
    {
        var text = string.IsNullOrWhiteSpace(location) ? DefaultSqlitePath : location.Trim();
        if (text.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            NpgsqlConnectionStringBuilder pg;
            try
            {
                pg = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException e)
            {
                throw new StoreException($"results store: bad PostgreSQL connection string: {e.Message}", e);
            }

            // PostgreSQL waits for a lock without end: a session holding the rig's tables (a migration, a VACUUM FULL) would
            // stall every shard. lock_timeout in Options bounds the wait; the rig's default is SQLite's. Npgsql's command
            // timeout (30 s by default) would otherwise cut the same wait first, with a message that does not say why.
            if (LockTimeoutSetting().Match(pg.Options ?? "") is not { Success: true })
            {
                pg.Options = $"{pg.Options} -c lock_timeout={DefaultLockWaitSeconds}s".Trim();
                if (pg.CommandTimeout is > 0 and <= DefaultLockWaitSeconds)
                {
                    pg.CommandTimeout = 2 * DefaultLockWaitSeconds;
                }
            }

            return new StoreLocation(true, pg.ConnectionString, $"postgresql://{pg.Host}:{pg.Port}/{pg.Database}",
                LockTimeoutSetting().Match(pg.Options ?? "").Groups[1].Value);
        }

        string path;
        var timeout = DefaultLockWaitSeconds;
        if (text.Contains('='))
        {
            try
            {
                // A lab may want another wait for a lock held by another process (Default Timeout=N, seconds).
                var given = new SqliteConnectionStringBuilder(text);
                path = given.DataSource;
                timeout = given.DefaultTimeout;
            }
            catch (ArgumentException e)
            {
                throw new StoreException($"results store: bad SQLite connection string: {e.Message}", e);
            }
        }
        else
        {
            path = text;
        }

        if (string.IsNullOrEmpty(path))
        {
            throw new StoreException($"results store: '{text}' names no database file");
        }

        var sqlite = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false, // a pooled handle would keep the file open after Dispose, and tests delete it
            DefaultTimeout = timeout,
        };
        return new StoreLocation(false, sqlite.ConnectionString, path);
    }

    /// <summary>
    /// A read-only transaction. SQLite's default (IMMEDIATE) takes the write lock, which would stall a running
    /// `rig run` while a report reads; a deferred one only reads its WAL snapshot.
    /// </summary>
    internal static DbTransaction BeginRead(DbConnection connection) =>
        connection is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: true) : connection.BeginTransaction();

    /// <summary>
    /// Serialises schema creation between processes. SQLite's IMMEDIATE transaction already does; PostgreSQL's
    /// CREATE TABLE IF NOT EXISTS can still collide when shards of a CI matrix open a new database at once.
    /// </summary>
    internal void LockSchema(DbConnection connection, DbTransaction transaction)
    {
        if (!IsPostgres)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pg_advisory_xact_lock(7410001)"; // any constant shared by all rig processes
        command.ExecuteNonQuery();
    }

    /// <summary>A database error as a person can act on it: both engines' codes for a held lock and a full disk say why.</summary>
    internal string Explain(DbException e) => e switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode switch
        {
            // SQLITE_BUSY / SQLITE_LOCKED (sqlite.org/rescode.html)
            5 or 6 => $"{e.Message} (another process holds its lock; waited {new SqliteConnectionStringBuilder(ConnectionString).DefaultTimeout} s, " +
                      "set by 'Default Timeout=N' in a 'Data Source=...' store)",
            // SQLITE_FULL: the commit did not happen; every earlier one did.
            13 => $"{e.Message} (the disk holding it is full)",
            _ => e.Message,
        },
        // SQLSTATEs of PostgreSQL's errcodes appendix: lock_not_available is lock_timeout running out; disk_full is
        // ENOSPC extending a table, the transaction rolled back and every earlier commit kept.
        PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } =>
            $"{e.Message} (another process holds a lock on its tables; waited {_postgresLockWait}, set by lock_timeout in the connection string, " +
            "e.g. Options='-c lock_timeout=5s')",
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } => $"{e.Message} (the disk holding it is full)",
        _ => e.Message,
    };

    internal DbConnection Open()
    {
        if (IsPostgres)
        {
            var pg = new NpgsqlConnection(ConnectionString);
            pg.Open();
            return pg;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(Display));
        try
        {
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"results store {Display}: cannot create {directory}: {e.Message}", e);
        }

        var sqlite = new SqliteConnection(ConnectionString);
        sqlite.Open();
        using var pragmas = sqlite.CreateCommand();
        // WAL lets `rig report` read while `rig run` writes; synchronous=FULL makes each commit durable
        // when it returns, which IResultSink promises. busy_timeout waits out a concurrent writer.
        pragmas.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={sqlite.DefaultTimeout * 1000};";
        pragmas.ExecuteNonQuery();
        return sqlite;
    }

    [GeneratedRegex(@"-c\s*lock_timeout\s*=\s*(\S+)")]
    private static partial Regex LockTimeoutSetting();
}
