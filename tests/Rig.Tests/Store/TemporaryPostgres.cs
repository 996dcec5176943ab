using Npgsql;

namespace Rig.Tests.Store;

/// <summary>
/// A private PostgreSQL cluster in a temporary directory, reachable only through a Unix socket in that
/// directory, with trust auth; stopped and deleted when the test process exits. initdb refuses to run as
/// root, so as root the cluster belongs to the Debian <c>postgres</c> user.
/// </summary>
public sealed class TemporaryPostgres
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const int Port = 5432; // only names the socket file inside our private directory
    private static readonly TimeSpan ToolLimit = TimeSpan.FromSeconds(60);

    public static readonly Lazy<TemporaryPostgres> Shared = new(Start);

    private readonly string? _directory;
    private readonly bool _asPostgresUser;
    private int _databases;

    private TemporaryPostgres(string? failure, string? directory, bool asPostgresUser)
    {
        Failure = failure;
        _directory = directory;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>Why the server did not start, or null if it runs.</summary>
    public string? Failure { get; }

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

    private string ConnectionString(string database) =>
        $"Host={_directory};Port={Port};Username=postgres;Database={database};Pooling=false;Timeout=30";

    private static TemporaryPostgres Start()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            return new TemporaryPostgres($"{BinDirectory}/initdb not found (Debian package postgresql)", null, false);
        }

        var asPostgresUser = Environment.UserName == "root";
        var directory = Directory.CreateTempSubdirectory("rig-pg-").FullName;
        var data = Path.Combine(directory, "data");
        var server = new TemporaryPostgres(null, directory, asPostgresUser);
        if (asPostgresUser)
        {
            var (chown, chownOutput) = BoundedProcess.Run("chown", ["postgres", directory], ToolLimit);
            if (chown != 0)
            {
                return Abandon(directory, $"cannot hand {directory} to the postgres user: {chownOutput}");
            }
        }

        var (initdb, initdbOutput) = server.Tool("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync");
        if (initdb != 0)
        {
            return Abandon(directory, $"initdb failed: {initdbOutput}");
        }

        File.AppendAllText(Path.Combine(data, "postgresql.conf"),
            $"\nlisten_addresses = ''\nunix_socket_directories = '{directory}'\nport = {Port}\nfsync = off\n");
        var (start, startOutput) = server.Tool("pg_ctl", "-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "start");
        if (start != 0)
        {
            return Abandon(directory, $"pg_ctl start failed: {startOutput}");
        }

        // The test host may be torn down moments after ProcessExit starts, so stopping and deleting happen in
        // one shell that outlives it; the handler only waits for it while it can.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            var stop = string.Join(' ', server.ToolCommand("pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "30", "stop")
                .Select(a => $"'{a}'"));
            BoundedProcess.Run("sh", ["-c", $"{stop} >/dev/null 2>&1; rm -rf '{directory}'"], ToolLimit);
        };
        return server;
    }

    private static TemporaryPostgres Abandon(string directory, string failure)
    {
        Directory.Delete(directory, recursive: true);
        return new TemporaryPostgres(failure.Trim(), null, false);
    }

    private (int, string) Tool(string name, params string[] arguments)
    {
        var command = ToolCommand(name, arguments);
        return BoundedProcess.Run(command[0], command[1..], ToolLimit);
    }

    private string[] ToolCommand(string name, params string[] arguments)
    {
        var path = Path.Combine(BinDirectory, name);
        return _asPostgresUser ? ["runuser", "-u", "postgres", "--", path, .. arguments] : [path, .. arguments];
    }
}
