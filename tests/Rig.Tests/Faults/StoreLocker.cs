using Microsoft.Data.Sqlite;

namespace Rig.Tests.Faults;

/// <summary>
/// Another process holding a SQLite store's write lock (<see cref="ChildVerbs"/>): <c>dotnet Rig.Tests.dll store-locker
/// DB SECONDS</c> opens a write transaction (BEGIN IMMEDIATE: in WAL mode it keeps every other writer out, readers not),
/// prints <c>locked</c>, holds it SECONDS (0: until killed), commits and prints <c>released</c>.
/// </summary>
public static class StoreLocker
{
    public const string Verb = "store-locker";

    public static int Run(string[] args)
    {
        if (args is not [Verb, var path, var seconds])
        {
            Console.Error.WriteLine($"usage: Rig.Tests {Verb} <sqlite file> <seconds, 0 = until killed>");
            return 2;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction(deferred: false);

        Console.Out.WriteLine("locked");
        Console.Out.Flush();
        var hold = int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture);
        Thread.Sleep(hold == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(hold));
        transaction.Commit();
        Console.Out.WriteLine("released");
        return 0;
    }
}
