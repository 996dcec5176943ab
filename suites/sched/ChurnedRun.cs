using System.Collections.Concurrent;
using System.Diagnostics;
using Rig.Cases;
using Rig.Churn;
using Rig.Protocol;
using Rig.Qmp;
using Rig.Targets;

namespace Rig.Suites.Sched;

/// <summary>What a churned run saw: the churn's rates and incidents, the host's footprint, the survivors' records and ends.</summary>
/// <param name="FirstFailure">From the start of the churn to the probes' first failure record; null if none came.</param>
/// <param name="Ends">How each survivor (by VM number) was after the churn and how it ended, for the evidence.</param>
/// <param name="Exits">How each survivor ended, when the run waited for it (not after a failure record).</param>
internal sealed record ChurnedRun(
    ChurnReport Churn, HostFootprint Before, HostFootprint After, TimeSpan? FirstFailure, IReadOnlyDictionary<int, string> Ends,
    IReadOnlyDictionary<int, VmExit> Exits, IReadOnlyList<int> Vms, IReadOnlyList<Record> Records)
{
    /// <summary>Room for boot, AP start-up and printing on a slow target (TCG on a loaded host) around the timed part.</summary>
    public static readonly TimeSpan BootBound = TimeSpan.FromSeconds(60);

    /// <summary>The survivors keep checking this long after the churn stops, so the churn never stops a VM that has ended.</summary>
    private static readonly TimeSpan Tail = TimeSpan.FromSeconds(6);

    private const int LastWords = 8;

    private static readonly TimeSpan MinimumChurn = TimeSpan.FromSeconds(5);

    /// <summary>Reaping a destroyed VMM's process is asynchronous; the footprint after the churn is measured this much later.</summary>
    private static readonly TimeSpan ReapDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The survivors' probes check from their boot for this long; the churn fits inside it, after the companions boot.</summary>
    public static TimeSpan Window => TimeSpan.FromSeconds(Profile.Pick(normal: 30, lab: 180));

    public static TimeSpan Watchdog => BootBound + (2 * Window);

    public static string Append(int vm) => $"ms={(long)Window.TotalMilliseconds} vm={vm}";

    /// <summary>
    /// The case's VM (number 1, booted with <paramref name="probe"/>) is in <paramref name="c"/>; this boots the other
    /// survivors with the same probe, churns around them until shortly before the first one's window ends (or at once
    /// when a survivor prints a <paramref name="failure"/> record), then lets every survivor end.
    /// </summary>
    public static async Task<ChurnedRun> RunAsync(RigCase c, string target, ChurnProfile profile, string probe, string failure)
    {
        var sinceBoot = Stopwatch.StartNew();
        var boot = CompanionVms.Booter(target, probe, profile.VcpusPerVm, Append, Watchdog);
        await using var churn = await HostChurn.StartAsync(profile, c.Vm, boot, CancellationToken.None).ConfigureAwait(false);
        var companions = churn.Survivors.Skip(1).ToList();
        var companionRecords = new ConcurrentQueue<Record>();
        using var failureSeen = new CancellationTokenSource();
        var churnClock = new Stopwatch();
        TimeSpan? firstFailure = null;
        void OnRecord(Record r)
        {
            if (r.Kind == failure && !failureSeen.IsCancellationRequested)
            {
                firstFailure = churnClock.Elapsed;
                failureSeen.Cancel();
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
        var primaryDiff = c.WaitForRecordAsync(r => r.Kind == failure, Watchdog, failureSeen.Token)
            .ContinueWith(t => { if (t.IsCompletedSuccessfully && t.Result is { } r) { OnRecord(r); } }, TaskScheduler.Default);

        var pids = churn.Survivors.Select(s => s.Vm.ProcessId).ToList();
        var before = HostFootprint.Measure(pids);
        var duration = Window - sinceBoot.Elapsed - Tail;
        churnClock.Start();
        var report = await churn.RunAsync(duration > MinimumChurn ? duration : MinimumChurn, failureSeen.Token).ConfigureAwait(false);
        await Task.Delay(ReapDelay).ConfigureAwait(false);
        var after = HostFootprint.Measure(pids);

        var ends = new Dictionary<int, string>();
        var exits = new Dictionary<int, VmExit>();
        foreach (var s in churn.Survivors)
        {
            ends[s.Number] = await StatusAfterChurn(s.Vm).ConfigureAwait(false);
        }

        if (failureSeen.IsCancellationRequested)
        {
            // The verdict is in; the survivors' remaining window would only delay it.
            foreach (var s in churn.Survivors)
            {
                await s.Vm.StopAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        else
        {
            exits[1] = await c.RunToExitAsync(Watchdog).ConfigureAwait(false);
            ends[1] += $", then {exits[1]}";
            foreach (var s in companions)
            {
                var exit = exits[s.Number] = await s.Vm.WaitForExitAsync(Watchdog).ConfigureAwait(false);
                ends[s.Number] += $", then {exit}";
                if (exit.ProbeStatus != 0)
                {
                    // The case's own VM has its log in the result; a companion's last words go to the evidence.
                    ends[s.Number] += "; its last COM1 lines: " + string.Join(" | ", s.Vm.Com1Lines.TakeLast(LastWords)) +
                                      "; VMM stderr: " + s.Vm.VmmDiagnostics.Trim();
                }
            }
        }

        await failureSeen.CancelAsync().ConfigureAwait(false);
        await primaryDiff.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ends.Count > 0 && firstFailure is null)
        {
            // Every companion has exited, so its records are complete.
            await Task.WhenAll(drains).ConfigureAwait(false);
        }

        var vms = churn.Survivors.Select(s => s.Number).ToList();
        return new ChurnedRun(report, before, after, firstFailure, ends, exits, vms, [.. c.Records, .. companionRecords]);
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

        if (FirstFailure is { } t)
        {
            c.Metric("first_failure_s", t.TotalSeconds, "s");
            c.Evidence($"observed: the probes' first failure {t.TotalSeconds:0.0} s after the churn started");
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

        foreach (var r in Records.Where(r => r.Kind is "held" or "tlb"))
        {
            c.Evidence("observed: " + r.Line);
        }
    }

    /// <summary>
    /// "running" if the survivor still answers QMP and runs; otherwise what it said or why it did not answer (a survivor
    /// may also have reached the end of its window while the churn's last destroy finished).
    /// </summary>
    private static async Task<string> StatusAfterChurn(IVm vm)
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
