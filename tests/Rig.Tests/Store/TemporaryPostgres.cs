using Npgsql;

namespace Rig.Tests.Store;

/// <summary>
/// A private PostgreSQL cluster in a temporary directory, reachable only through a Unix socket in that
/// directory, with trust auth; stopped and deleted when the test process exits (or when disposed, for a
/// cluster of one's own). initdb refuses to run as root, so as root the cluster belongs to the Debian
/// <c>postgres</c> user.
/// </summary>
public sealed class TemporaryPostgres : IDisposable
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const int Port = 5432; // only names the socket file inside our private directory
    private static readonly TimeSpan ToolLimit = TimeSpan.FromSeconds(60);

    public static readonly Lazy<TemporaryPostgres> Shared = new(() => Start(Directory.CreateTempSubdirectory("rig-pg-").FullName, dataParent: null));

    private readonly string? _directory;
    private readonly string? _stopAndDelete;
    private int _databases;

    private TemporaryPostgres(string? failure, string? directory, string? stopAndDelete)
    {
        Failure = failure;
        _directory = directory;
        _stopAndDelete = stopAndDelete;
    }

    /// <summary>Why the server did not start, or null if it runs.</summary>
    public string? Failure { get; }

    /// <summary>
    /// A cluster of one's own whose tables live in <paramref name="dataParent"/> (a small tmpfs, say) and everything else
    /// (socket, log, WAL) in <paramref name="directory"/>: a full data disk then fails the statement that extends a table
    /// (SQLSTATE 53100) instead of taking the server down, as a full WAL disk would (PANIC).
    /// </summary>
    public static TemporaryPostgres StartWithTablesIn(string directory, string dataParent) => Start(directory, dataParent);

    /// <summary>A connection string to a fresh, empty database, so tests never see each other's rows.</summary>
    public string NewDatabase()
    {
        var name = $"rig_test_{Interlocked.Increment(ref _databases)}";
        using (var admin = new NpgsqlConnection(ConnectionString("postgres")))
        {
            admin.Open();
            using var create = admin.CreateCommand();
            create.CommandText = $"CREATE DATABASE {name}";
            create.ExecuteNonQuery();
        }

        return ConnectionString(name);
    }

    /// <summary>The end of the server's log, for a failing test's message.</summary>
    public string LogTail(int lines) =>
        _directory is not null && File.Exists(Path.Combine(_directory, "server.log"))
            ? string.Join('\n', File.ReadLines(Path.Combine(_directory, "server.log")).TakeLast(lines))
            : "(no server log)";

    /// <summary>Stops the server at once and deletes its directory (the data parent is the caller's).</summary>
    public void Dispose()
    {
        if (_stopAndDelete is not null)
        {
            BoundedProcess.Run("sh", ["-c", _stopAndDelete], ToolLimit);
        }
    }

    private string ConnectionString(string database) =>
        $"Host={_directory};Port={Port};Username=postgres;Database={database};Pooling=false;Timeout=30";

    private static TemporaryPostgres Start(string directory, string? dataParent)
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            return Abandon(directory, $"{BinDirectory}/initdb not found (Debian package postgresql)");
        }

        var asPostgresUser = Environment.UserName == "root";
        var data = Path.Combine(dataParent ?? directory, "data");
        if (asPostgresUser)
        {
            foreach (var owned in new[] { directory, dataParent }.OfType<string>())
            {
                var (chown, chownOutput) = BoundedProcess.Run("chown", ["postgres", owned], ToolLimit);
                if (chown != 0)
                {
                    return Abandon(directory, $"cannot hand {owned} to the postgres user: {chownOutput}");
                }
            }
        }

        string[] waldir = dataParent is null ? [] : ["--waldir", Path.Combine(directory, "wal")];
        var (initdb, initdbOutput) = Tool(asPostgresUser, "initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", .. waldir]);
        if (initdb != 0)
        {
            return Abandon(directory, $"initdb failed: {initdbOutput}");
        }

        File.AppendAllText(Path.Combine(data, "postgresql.conf"),
            $"\nlisten_addresses = ''\nunix_socket_directories = '{directory}'\nport = {Port}\nfsync = off\n");
        var (start, startOutput) = Tool(asPostgresUser, "pg_ctl", ["-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "start"]);
        if (start != 0)
        {
            return Abandon(directory, $"pg_ctl start failed: {startOutput}");
        }

        var stop = string.Join(' ', ToolCommand(asPostgresUser, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]).Select(a => $"'{a}'"));
        var stopAndDelete = $"{stop} >/dev/null 2>&1; rm -rf '{directory}' '{data}'";

        // The test host may be torn down moments after ProcessExit starts, so stopping and deleting happen in
        // one shell that outlives it; the handler only waits for it while it can. A second stop finds nothing to stop.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => BoundedProcess.Run("sh", ["-c", stopAndDelete], ToolLimit);
        return new TemporaryPostgres(null, directory, stopAndDelete);
    }

    private static TemporaryPostgres Abandon(string directory, string failure)
    {
        Directory.Delete(directory, recursive: true);
        return new TemporaryPostgres(failure.Trim(), null, null);
    }

    private static (int, string) Tool(bool asPostgresUser, string name, string[] arguments)
    {
        var command = ToolCommand(asPostgresUser, name, arguments);
        return BoundedProcess.Run(command[0], command[1..], ToolLimit);
    }

    private static string[] ToolCommand(bool asPostgresUser, string name, string[] arguments)
    {
        var path = Path.Combine(BinDirectory, name);
        return asPostgresUser ? ["runuser", "-u", "postgres", "--", path, .. arguments] : [path, .. arguments];
    }
}
