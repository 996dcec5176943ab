using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Rig.Tests.Faults;

/// <summary>
/// Another process holding a store's write lock (<see cref="ChildVerbs"/>): <c>dotnet Rig.Tests.dll store-locker
/// STORE SECONDS</c> opens a write transaction, prints <c>locked</c>, holds it SECONDS (0: until killed), commits and
/// prints <c>released</c>. On SQLite (a file) it is BEGIN IMMEDIATE: in WAL mode it keeps every other writer out, readers
/// not. On PostgreSQL (a Host= connection string) it is LOCK TABLE ... IN EXCLUSIVE MODE on the rig's run and result
/// tables, which likewise lets only readers (ACCESS SHARE) by, as a migration or a VACUUM FULL would hold it.
/// </summary>
public static class StoreLocker
{
    public const string Verb = "store-locker";

    public static int Run(string[] args)
    {
        if (args is not [Verb, var store, var seconds])
        {
            Console.Error.WriteLine($"usage: Rig.Tests {Verb} <sqlite file or PostgreSQL connection string> <seconds, 0 = until killed>");
            return 2;
        }

        var postgres = store.Contains("Host=", StringComparison.OrdinalIgnoreCase);
        using DbConnection connection = postgres
            ? new NpgsqlConnection(store)
            : new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store, Pooling = false }.ConnectionString);
        connection.Open();
        using var transaction = connection is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : connection.BeginTransaction();
        if (postgres)
        {
            using var lockTables = connection.CreateCommand();
            lockTables.Transaction = transaction;
            lockTables.CommandText = "LOCK TABLE runs, results IN EXCLUSIVE MODE";
            lockTables.ExecuteNonQuery();
        }

        Console.Out.WriteLine("locked");
        Console.Out.Flush();
        var hold = int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture);
        Thread.Sleep(hold == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(hold));
        transaction.Commit();
        Console.Out.WriteLine("released");
        return 0;
    }
}
