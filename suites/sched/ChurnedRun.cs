using System.Collections.Concurrent;
using System.Diagnostics;
using Rig.Cases;
using Rig.Churn;
using Rig.Protocol;
using Rig.Qmp;

namespace Rig.Suites.Sched;

/// <summary>What a churned run saw: the churn's rates and incidents, the host's footprint, the survivors' records and ends.</summary>
/// <param name="FirstDiff">From the start of the churn to the first `RIG regdiff`; null if none came.</param>
/// <param name="Ends">How each survivor (by VM number) was after the churn and how it ended.</param>
internal sealed record ChurnedRun(
    ChurnReport Churn, HostFootprint Before, HostFootprint After, TimeSpan? FirstDiff, IReadOnlyDictionary<int, string> Ends,
    IReadOnlyList<int> Vms, IReadOnlyList<Record> Records)
{
    public const string Probe = "RegisterIntegrity";

    /// <summary>Room for boot, AP start-up and printing on a slow target (TCG on a loaded host) around the timed part.</summary>
    public static readonly TimeSpan BootBound = TimeSpan.FromSeconds(60);

    /// <summary>The survivors keep checking this long after the churn stops, so the churn never stops a VM that has ended.</summary>
    private static readonly TimeSpan Tail = TimeSpan.FromSeconds(6);

    private static readonly TimeSpan MinimumChurn = TimeSpan.FromSeconds(5);

    /// <summary>Reaping a destroyed VMM's process is asynchronous; the footprint after the churn is measured this much later.</summary>
    private static readonly TimeSpan ReapDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The survivors' probes check from their boot for this long; the churn fits inside it, after the companions boot.</summary>
    public static TimeSpan Window => TimeSpan.FromSeconds(Profile.Pick(normal: 30, lab: 180));

    public static TimeSpan Watchdog => BootBound + (2 * Window);

    public static string Append(int vm) => $"ms={(long)Window.TotalMilliseconds} vm={vm}";

    /// <summary>
    /// The case's VM (number 1) is booted in <paramref name="c"/>; this boots the other survivors, churns around them until
    /// shortly before the first one's window ends (or at once after a changed register), then lets every survivor end.
    /// </summary>
    public static async Task<ChurnedRun> RunAsync(RigCase c, string target, ChurnProfile profile)
    {
        var sinceBoot = Stopwatch.StartNew();
        var boot = CompanionVms.Booter(target, Probe, profile.VcpusPerVm, Append, Watchdog);
        await using var churn = await HostChurn.StartAsync(profile, c.Vm, boot, CancellationToken.None).ConfigureAwait(false);
        var companions = churn.Survivors.Skip(1).ToList();
        var companionRecords = new ConcurrentQueue<Record>();
        using var diffSeen = new CancellationTokenSource();
        var churnClock = new Stopwatch();
        TimeSpan? firstDiff = null;
        void OnRecord(Record r)
        {
            if (r.Kind == "regdiff" && !diffSeen.IsCancellationRequested)
            {
                firstDiff = churnClock.Elapsed;
                diffSeen.Cancel();
            }
        }

        var drains = companions.Select(s => Task.Run(async () =>
        {
            await foreach (var r in s.Vm.Records.ReadAllAsync().ConfigureAwait(false))
            {
                companionRecords.Enqueue(r);
                OnRecord(r);
            }
        })).ToList();
        var primaryDiff = c.WaitForRecordAsync(r => r.Kind == "regdiff", Watchdog, diffSeen.Token)
            .ContinueWith(t => { if (t.IsCompletedSuccessfully && t.Result is { } r) { OnRecord(r); } }, TaskScheduler.Default);

        var pids = churn.Survivors.Select(s => s.Vm.ProcessId).ToList();
        var before = HostFootprint.Measure(pids);
        var duration = Window - sinceBoot.Elapsed - Tail;
        churnClock.Start();
        var report = await churn.RunAsync(duration > MinimumChurn ? duration : MinimumChurn, diffSeen.Token).ConfigureAwait(false);
        await Task.Delay(ReapDelay).ConfigureAwait(false);
        var after = HostFootprint.Measure(pids);

        var ends = new Dictionary<int, string>();
        foreach (var s in churn.Survivors)
        {
            ends[s.Number] = await StatusAfterChurn(s.Vm).ConfigureAwait(false);
        }

        if (diffSeen.IsCancellationRequested)
        {
            // The verdict is in; the survivors' remaining window would only delay it.
            foreach (var s in churn.Survivors)
            {
                await s.Vm.StopAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        else
        {
            var exit = await c.RunToExitAsync(Watchdog).ConfigureAwait(false);
            ends[1] += $", then {exit}";
            foreach (var s in companions)
            {
                ends[s.Number] += $", then {await s.Vm.WaitForExitAsync(Watchdog).ConfigureAwait(false)}";
            }
        }

        await diffSeen.CancelAsync().ConfigureAwait(false);
        await primaryDiff.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ends.Count > 0 && firstDiff is null)
        {
            // Every companion has exited, so its records are complete.
            await Task.WhenAll(drains).ConfigureAwait(false);
        }

        var vms = churn.Survivors.Select(s => s.Number).ToList();
        return new ChurnedRun(report, before, after, firstDiff, ends, vms, [.. c.Records, .. companionRecords]);
    }

    /// <summary>
    /// Into the case's evidence: the churn's rates as metrics (migrations/s, VM create+destroy/s, the guests' register
    /// checks/s), its incidents, and the host footprint before and after.
    /// </summary>
    public void Describe(RigCase c)
    {
        c.Evidence($"observed: churn {Churn}");
        c.Metric("migrations_per_s", Churn.MigrationsPerSecond, "1/s");
        c.Metric("vm_create_destroy_per_s", Churn.VmCyclesPerSecond, "1/s");
        c.Metric("collisions", Churn.Collisions, "count");
        if (Records.Any(r => r.Kind == "held"))
        {
            c.Metric("guest_register_checks_per_s", Oracles.RegisterIntegrity.ChecksPerSecond(Records), "1/s");
        }
        if (FirstDiff is { } t)
        {
            c.Metric("first_register_change_s", t.TotalSeconds, "s");
            c.Evidence($"observed: first changed register {t.TotalSeconds:0.0} s after the churn started");
        }

        foreach (var incident in Churn.Incidents)
        {
            c.Evidence("incident: " + incident);
        }

        c.Evidence($"observed: host footprint before {Before}, after {After}");
        foreach (var (vm, end) in Ends)
        {
            c.Evidence($"observed: survivor VM {vm}: {end}");
        }

        foreach (var r in Records.Where(r => r.Kind == "held"))
        {
            c.Evidence("observed: " + r.Line);
        }
    }

    /// <summary>"running" if the survivor still answers QMP and runs; otherwise what it said or why it did not answer.</summary>
    private static async Task<string> StatusAfterChurn(Rig.Targets.IVm vm)
    {
        try
        {
            return await vm.QueryStatusAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is QmpConnectionException or QmpCommandException)
        {
            return $"not answering QMP ({e.Message})";
        }
    }
}
