using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using Rig.Hosting;
using Rig.Results;
using Rig.Tests.Cli;
using Rig.Tests.Store;

namespace Rig.Tests.Faults;

/// <summary>
/// The store under the rig fails: its disk fills mid-run (a small tmpfs), or another process holds its write lock, on
/// SQLite and on PostgreSQL. The rig stops with exit 2 saying which, kills its VMMs, and the store still opens with every
/// result committed before the fault.
/// </summary>
[Collection(HostFaultFactAttribute.Collection)]
public sealed class StoreFaultTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [HostFaultFact(tmpfs: true)]
    public async Task A_full_disk_mid_run_stops_it_with_exit_2_and_keeps_every_result_stored_before()
    {
        // Each garbage-flooded case stores a 256 KiB log, so every result needs fresh pages: the first after the fill fails.
        using var checkout = new FaultCheckout("fake-com1-garbage");
        var disk = Path.Combine(checkout.Root, "disk");
        Directory.CreateDirectory(disk);
        Assert.Null(HostFaultFactAttribute.MountTmpfs(disk, "64m"));
        try
        {
            var store = Path.Combine(disk, "rig.db");
            using var rig = await RigRun.StartAsync(checkout.Root, "run", "--suite", "smoke", "--release", "full", "--jobs", "1", "--repeat", "30", "--store", store);
            var before = await WaitForResults(store, atLeast: 2);
            Fill(disk);

            var (code, output) = await rig.WaitAsync(Bound);

            Assert.True(code == 2, $"exit {code}: {output}");
            Assert.Contains("full", output, StringComparison.Ordinal);
            File.Delete(Path.Combine(disk, "filler"));
            var (run, results) = Assert.Single(checkout.Stored("full", store));
            Assert.Null(run.Ended);
            Assert.InRange(results.Count, before, 29);
            Assert.All(results, x => Assert.Equal(Verdict.Ok, x.Verdict));
            Assert.Empty(await HostProcesses.LeftBehindAsync(checkout.Root, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            HostFaultFactAttribute.Unmount(disk);
        }
    }

    [HostFaultFact(tmpfs: true, postgres: true)]
    public async Task A_full_disk_under_postgresql_stops_the_run_with_exit_2_and_keeps_every_result_stored_before()
    {
        // The cluster's tables on a 64 MiB tmpfs, its WAL and socket elsewhere; neither is in the checkout, so its
        // server processes are not the rig's leftovers.
        using var checkout = new FaultCheckout("fake-com1-garbage");
        var disk = Directory.CreateTempSubdirectory("rig-pg-disk-");
        var cluster = Directory.CreateTempSubdirectory("rig-pg-full-");
        Assert.Null(HostFaultFactAttribute.MountTmpfs(disk.FullName, "64m"));
        try
        {
            using var server = TemporaryPostgres.StartWithTablesIn(cluster.FullName, disk.FullName);
            Assert.True(server.Failure is null, server.Failure);
            var store = server.NewDatabase();
            using var rig = await RigRun.StartAsync(checkout.Root, "run", "--suite", "smoke", "--release", "full", "--jobs", "1", "--repeat", "30", "--store", store);
            var before = await WaitForResults(store, atLeast: 2);
            Fill(disk.FullName);

            var (code, output) = await rig.WaitAsync(Bound);

            Assert.True(code == 2, $"exit {code}: {output}\nserver log:\n{server.LogTail(30)}");
            Assert.Contains("53100", output, StringComparison.Ordinal);
            Assert.Contains("No space left on device", output, StringComparison.Ordinal);
            Assert.Contains("(the disk holding it is full)", output, StringComparison.Ordinal);
            File.Delete(Path.Combine(disk.FullName, "filler"));
            var (run, results) = Assert.Single(checkout.Stored("full", store));
            Assert.Null(run.Ended);
            Assert.InRange(results.Count, before, 29);
            Assert.All(results, x => Assert.Equal(Verdict.Ok, x.Verdict));
            Assert.Empty(await HostProcesses.LeftBehindAsync(checkout.Root, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            HostFaultFactAttribute.Unmount(disk.FullName);
            disk.Delete(recursive: true);
        }
    }

    [HostFaultFact(postgres: true)]
    public async Task A_postgresql_store_locked_by_another_process_stops_the_run_with_exit_2_and_keeps_what_it_held()
    {
        using var checkout = new FaultCheckout("fake-ok");
        var store = TemporaryPostgres.Shared.Value.NewDatabase();
        var (first, firstOutput) = await RunOnce(checkout, store);
        Assert.True(first == 0, firstOutput);

        var clock = Stopwatch.StartNew();
        var (code, output) = await RunWhileLocked(checkout, store, $"{store};Options='-c lock_timeout=2s'");
        Assert.True(code == 2, $"exit {code}: {output}");
        Assert.Contains("lock timeout", output, StringComparison.Ordinal);
        Assert.Contains("another process holds a lock on its tables; waited 2s", output, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the locked run took {clock.Elapsed.TotalSeconds:0} s to give up");
        var (_, results) = Assert.Single(checkout.Stored("locked", store));
        Assert.Equal(Verdict.Ok, Assert.Single(results).Verdict);
    }

    [HostFaultFact(postgres: true)]
    public async Task A_postgresql_lock_held_briefly_by_another_process_is_waited_out()
    {
        using var checkout = new FaultCheckout("fake-ok");
        var store = TemporaryPostgres.Shared.Value.NewDatabase();
        var (first, firstOutput) = await RunOnce(checkout, store);
        Assert.True(first == 0, firstOutput);

        using var locker = await StartLocker(store, seconds: 3);
        var (code, output) = await RunOnce(checkout, store);
        await locker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 0, $"exit {code}: {output}");
        Assert.Equal(2, checkout.Stored("locked", store).Count);
    }

    [HostFaultFact]
    public async Task A_store_locked_by_another_process_stops_the_run_with_exit_2_and_keeps_what_it_held()
    {
        using var checkout = new FaultCheckout("fake-ok");
        var (first, firstOutput) = await RunOnce(checkout, checkout.Store);
        Assert.True(first == 0, firstOutput);

        var (code, output) = await RunWhileLocked(checkout, checkout.Store, $"Data Source={checkout.Store};Default Timeout=2");
        Assert.True(code == 2, $"exit {code}: {output}");
        Assert.Contains("database is locked", output, StringComparison.Ordinal);
        Assert.Contains("another process holds its lock", output, StringComparison.Ordinal);
        var (_, results) = Assert.Single(checkout.Stored("locked"));
        Assert.Equal(Verdict.Ok, Assert.Single(results).Verdict);
    }

    [HostFaultFact]
    public async Task A_lock_held_briefly_by_another_process_is_waited_out()
    {
        using var checkout = new FaultCheckout("fake-ok");
        var (first, firstOutput) = await RunOnce(checkout, checkout.Store);
        Assert.True(first == 0, firstOutput);

        using var locker = await StartLocker(checkout.Store, seconds: 3);
        var (code, output) = await RunOnce(checkout, checkout.Store);
        await locker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 0, $"exit {code}: {output}");
        Assert.Equal(2, checkout.Stored("locked").Count);
    }

    private static Task<(int Code, string Output)> RunOnce(FaultCheckout checkout, string store) =>
        RigCli.RunAsync(checkout.Root, "run", "--suite", "smoke", "--release", "locked", "--jobs", "1", "--store", store);

    /// <summary>One run against <paramref name="runStore"/> while another process holds <paramref name="lockedStore"/>'s lock for good.</summary>
    private static async Task<(int Code, string Output)> RunWhileLocked(FaultCheckout checkout, string lockedStore, string runStore)
    {
        var locker = await StartLocker(lockedStore, seconds: 0);
        try
        {
            return await RunOnce(checkout, runStore);
        }
        finally
        {
            ChildProcesses.Kill(locker);
            locker.Dispose();
        }
    }

    private static async Task<Process> StartLocker(string store, int seconds)
    {
        var locker = await ChildProcesses.StartAsync("dotnet", [typeof(StoreLocker).Assembly.Location, StoreLocker.Verb, store, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        try
        {
            var said = await locker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(said == "locked", $"the locker said '{said}'");
            return locker;
        }
        catch
        {
            ChildProcesses.Kill(locker);
            locker.Dispose();
            throw;
        }
    }

    /// <summary>Polls the store read-only, as `rig report` would beside a run, until the run has recorded <paramref name="atLeast"/> results.</summary>
    private static async Task<int> WaitForResults(string store, int atLeast)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Bound)
        {
            try
            {
                using DbConnection connection = store.Contains("Host=", StringComparison.Ordinal)
                    ? new NpgsqlConnection(store)
                    : new SqliteConnection($"Data Source={store};Mode=ReadOnly;Pooling=False");
                connection.Open();
                using var count = connection.CreateCommand();
                count.CommandText = "SELECT COUNT(*) FROM results";
                if (Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) is var n && n >= atLeast)
                {
                    return n;
                }
            }
            catch (DbException)
            {
                // Not created yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the run did not record {atLeast} results within {Bound.TotalSeconds} s");
    }

    /// <summary>Writes until the file system says it is full (ENOSPC).</summary>
    private static void Fill(string directory)
    {
        using var filler = new FileStream(Path.Combine(directory, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }
}
