using System.Diagnostics;
using NUnit.Framework;
using Rig.Cases;
using Rig.Churn;
using Rig.Protocol;
using Rig.Results;
using Rig.Suites.Time.Oracles;
using Rig.Suites.Time.Records;
using Rig.Targets;

namespace Rig.Suites.Time;

/// <summary>
/// time.density (seed 000's scenario): many VMs of 4 vCPUs at once (4 here, 20 in the lab profile, 2 through xl:
/// <see cref="DensityPace"/>), every vCPU of each reading the TSC and its paravirtual clocks as a QPC user would, while
/// every CPU of the VMs' host spins (<see cref="IVm.LoadHostAsync"/>: dom0's on Xen, seed 000's "heavy Dom0 load") and
/// the host pauses and (where the target can) reverts each VM at random, the first revert of each with a calibration
/// forced inside its window (rig-hv). Verdict per VM: no clock steps back, none jumps further than the host held the VM.
/// </summary>
[TestFixture]
[QuietHost("it runs several 4-vCPU VMs and spins every CPU of their host for its whole window: its neighbours would be judged under that load")]
public sealed class Density
{
    private const int VcpusPerVm = 4;

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        var pace = DensityPace.For(target);
        int vms = pace.Vms;
        var window = pace.Window;
        var watchdog = (vms * TimeRecords.BootBound) + pace.Gate + window + pace.Rollback + TimeRecords.BootBound;
        var gate = new DensityGate(vms);
        string Append(int n) => $"ms={(long)window.TotalMilliseconds} vm={n}";
        await using var c = await RigCase.BootAsync(target, append: Append(1), vcpus: VcpusPerVm, hostActions: gate.Handler(), watchdog: watchdog);
        var all = new List<IVm> { c.Vm };
        try
        {
            var boot = CompanionVms.Booter(target, nameof(Density), VcpusPerVm, Append, watchdog, gate.Handler);
            for (int n = 2; n <= vms; n++)
            {
                all.Add(await boot(n, CancellationToken.None));
            }
        }
        catch (Exception e) when (e is TargetStartException or TargetUnsupportedException or InvalidOperationException)
        {
            c.Error($"could not boot VM {all.Count + 1} of {vms}: {e.Message}");
            await DisposeCompanionsAsync(all);
            c.Complete();
            return;
        }

        try
        {
            await RunAndJudgeAsync(c, all, gate, pace, watchdog);
        }
        finally
        {
            await DisposeCompanionsAsync(all);
        }
    }

    private static async Task RunAndJudgeAsync(RigCase c, List<IVm> all, DensityGate gate, DensityPace pace, TimeSpan watchdog)
    {
        var window = pace.Window;
        var opened = all.Select(_ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var companionRecords = all.Skip(1).Select((vm, i) => DrainAsync(vm, opened[i + 1])).ToList();
        var firstOpened = c.WaitForRecordAsync(r => r.Kind == DensityStart.OpenedKind, watchdog)
            .ContinueWith(t => opened[0].TrySetResult(t.IsCompletedSuccessfully && t.Result is not null), TaskScheduler.Default);
        bool together = await Task.WhenAny(gate.AllArrived, Task.Delay(pace.Gate)) == gate.AllArrived;
        var seeds = all.Select(_ => c.Random.Next()).ToList();
        var schedules = all.Select((vm, i) => new DensitySchedule(vm, new Random(seeds[i]), pace)).ToList();
        var exits = new VmExit[all.Count];
        await using (await c.Vm.LoadHostAsync())
        {
            var sinceOpen = Stopwatch.StartNew();
            gate.Open();
            if (together)
            {
                await Task.WhenAll(schedules.Select((s, i) => s.RunAsync(sinceOpen, opened[i].Task, CancellationToken.None)));
            }

            var left = window - sinceOpen.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left);
            }
        }

        exits[0] = await c.RunToExitAsync(watchdog);
        for (int i = 1; i < all.Count; i++)
        {
            exits[i] = await all[i].WaitForExitAsync(watchdog);
        }

        await firstOpened;
        var records = new List<IReadOnlyList<Record>> { c.Records };
        foreach (var drained in companionRecords)
        {
            records.Add(await drained);
        }

        c.Oracle("Every VM's clocks, read on every vCPU, never step back (SDM Vol. 3B 18.17; public/xen.h vcpu_time_info: a " +
                 "pvclock across its records only under PVCLOCK_TSC_STABLE_BIT, xen/arch/x86/time.c collect_time_info) and " +
                 "never move on further than the host held that VM (a pause, a save and revert) plus a vCPU's wait for a host " +
                 $"CPU ({DensityJumps.SchedulingSlackNs / 1e9:0} s); a pvclock never runs ahead of its own TSC by more than the " +
                 $"longest hold plus {TimeRecords.MarginNs / 1e6:0} ms (seed 000: a negative delta scaled as unsigned on a revert that met a calibration)");
        if (!together)
        {
            c.Error($"only {gate.Arrived} of {all.Count} VMs reached the start of the window within {pace.Gate.TotalSeconds} s of the last boot");
        }

        for (int i = 0; i < all.Count; i++)
        {
            Judge(c, i + 1, records[i], schedules[i], exits[i], together);
            if (exits[i].KilledByWatchdog || exits[i].TimedOut)
            {
                // Where a VM stopped is in its own console, not the case's (one VM of four printed nothing in 120 s once,
                // beside `./run.sh test`, and nothing said how far it had got).
                c.Evidence($"observed: VM {i + 1}'s COM1, last lines: {string.Join(" | ", all[i].Com1Lines.TakeLast(ConsoleTailLines))}");
            }
        }

        var holds = schedules.SelectMany(s => s.Done).ToList();
        c.Metric("vms", all.Count, "count");
        c.Metric("pauses", holds.Count(h => h.Kind == Interruption.Pause), "count");
        c.Metric("reverts", holds.Count(h => h.Kind == Interruption.Revert), "count");
        c.Metric("longest_hold_ms", holds.Count == 0 ? 0 : holds.Max(h => h.Host.TotalMilliseconds), "ms");
        c.Finish(exits[0], $"{all.Count} VMs × {VcpusPerVm} vCPUs: {holds.Count} pauses and reverts, every clock continuous on every vCPU");
    }

    private const int ConsoleTailLines = 8;

    private static void Judge(RigCase c, int number, IReadOnlyList<Record> records, DensitySchedule schedule, VmExit exit, bool scheduled)
    {
        var holds = schedule.Done;
        var reverts = holds.Where(h => h.Kind == Interruption.Revert).ToList();
        c.Evidence($"observed: VM {number}: {holds.Count(h => h.Kind == Interruption.Pause)} pauses, {reverts.Count} reverts " +
                   $"({reverts.Count(r => r.Calibrated)} with a forced calibration), longest hold {schedule.LongestHold.TotalMilliseconds:0.0} ms, {exit}" +
                   (schedule.NoReverts is { } why ? $"; no reverts: {why}" : ""));
        if (schedule.Incident is { } incident)
        {
            c.Report(false, $"VM {number}: {incident}");
        }

        if (scheduled && schedule.NoReverts is null && reverts.Count == 0)
        {
            c.Error($"VM {number} was never reverted within the window, so seed 000's race was not met on it");
        }

        var steps = records.Where(r => r.Kind == StepsRecord.Kind).ToList();
        foreach (var s in steps)
        {
            c.Evidence($"observed: VM {number}: {s.Line}");
            if (!ClockSteps.Judgeable(s))
            {
                continue;
            }

            c.Metric($"{s[StepsRecord.Clock]}_max_step_us", s.GetDouble(StepsRecord.MaxForwardNs) / 1000, "us", DensityJumps.StepBound);
            if (s[StepsRecord.MaxExcessNs] is not null)
            {
                c.Metric($"{s[StepsRecord.Clock]}_max_excess_us", s.GetDouble(StepsRecord.MaxExcessNs) / 1000, "us", DensityJumps.ExcessBound);
            }
        }

        foreach (var s in ClockSteps.Unreadable(steps))
        {
            c.Error($"VM {number}: a `RIG steps` record lost part of its numbers on the way, so it cannot be judged: {s.Line}");
        }

        var problems = ClockSteps.Check(steps)
            .Concat(DensityJumps.Check(steps, schedule.LongestHold.TotalNanoseconds, TimeRecords.MarginNs))
            .Concat(DensityJumps.Coverage(steps, VcpusPerVm));
        c.ReportAll(problems.Select(p => $"VM {number}: {p}"));
        foreach (var note in ClockSteps.Unpromised(steps))
        {
            c.Evidence($"observed: VM {number}: {note}");
        }
        if (number == 1)
        {
            return;
        }

        // The case's own VM is judged by Finish; the others' ends and what their probes said of themselves are judged here.
        if (exit.Unjudgeable is { } unjudgeable)
        {
            c.Error($"VM {number}: {unjudgeable}");
        }
        else
        {
            c.Report(exit.ProbeStatus == 0, $"VM {number} ran to its end ({exit})");
        }
        foreach (var r in records.Where(r => r.Kind == Verdict.Fail.ToWire()))
        {
            c.Report(false, $"VM {number}: the probe reported: {r.Line}");
        }

        foreach (var r in records.Where(r => r.Kind == Verdict.Error.ToWire() || r.Damaged))
        {
            c.Error($"VM {number}: the probe could not observe: {r.Line}");
        }
    }

    /// <summary>
    /// A companion's records, read as they come (complete once it has exited and its COM1 closed); <paramref name="opened"/>
    /// says whether its `RIG window` came.
    /// </summary>
    private static async Task<List<Record>> DrainAsync(IVm vm, TaskCompletionSource<bool> opened)
    {
        var records = new List<Record>();
        await foreach (var r in vm.Records.ReadAllAsync())
        {
            records.Add(r);
            if (r.Kind == DensityStart.OpenedKind)
            {
                opened.TrySetResult(true);
            }
        }

        opened.TrySetResult(false);
        return records;
    }

    private static async Task DisposeCompanionsAsync(List<IVm> all)
    {
        foreach (var vm in all.Skip(1))
        {
            await vm.DisposeAsync();
        }

        all.RemoveRange(1, all.Count - 1);
    }
}
