using Rig.Cases;
using Rig.Protocol;
using Rig.Suites.Time.Oracles;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>How this suite's cases boot their probes and read what they print; shared so every case reads them alike.</summary>
internal static class TimeRecords
{
    /// <summary>Room for boot, AP start-up and printing on a slow target (TCG on a loaded host) around a case's timed part.</summary>
    public static readonly TimeSpan BootBound = TimeSpan.FromSeconds(60);

    /// <summary>Slack for readings just outside a guest's bracket on a loaded host; a million times below seed 000's jump.</summary>
    public const double MarginNs = 20e6;

    /// <summary>Warps and cross-vCPU order need several vCPUs; the lab's machines have the cores for more.</summary>
    public static int Vcpus => Profile.Pick(normal: 2, lab: 4);

    /// <summary>
    /// The clocks a `RIG pause`, `RIG revert` or `RIG exchange` line carries (`tsc_ns=`, `kvmclock_ns=`, `xenclock_ns=`;
    /// the exchange's raw `tsc=`): RDTSCP reads the same TSC, so it has no field of its own.
    /// </summary>
    public static readonly string[] RecordedClocks = [ClockNames.Tsc, ClockNames.KvmClock, ClockNames.XenClock];

    /// <summary>Judges every `RIG steps` record for <paramref name="clocks"/>; the largest step per vCPU goes to the report.</summary>
    public static IReadOnlyList<Record> JudgeSteps(RigCase c, IReadOnlyCollection<string> clocks)
    {
        var steps = c.Records.Where(r => r.Kind == StepsRecord.Kind && clocks.Contains(r[StepsRecord.Clock] ?? "")).ToList();
        var unreadable = ClockSteps.Unreadable(steps);
        foreach (var s in steps)
        {
            c.Evidence("observed: " + s.Line);
            if (!unreadable.Contains(s))
            {
                c.Metric($"{s[StepsRecord.Clock]}_max_step_us", s.GetDouble(StepsRecord.MaxForwardNs) / 1000, "us", ClockSteps.StepBound);
            }
        }

        foreach (var s in unreadable)
        {
            c.Error("a `RIG steps` record lost part of its numbers on the way, so it cannot be judged: " + s.Line);
        }

        c.ReportAll(ClockSteps.Check(steps));
        foreach (var note in ClockSteps.Unpromised(steps))
        {
            c.Evidence("observed: " + note);
        }

        return steps;
    }

    /// <summary>Judges every `RIG warp` record; the worst warp per clock goes to the report.</summary>
    public static IReadOnlyList<Record> JudgeWarps(RigCase c)
    {
        var warps = c.Records.Where(r => r.Kind == WarpRecord.Kind).ToList();
        foreach (var w in warps)
        {
            c.Evidence("observed: " + w.Line);
            c.Metric($"{w[WarpRecord.Clock]}_max_warp_ns", w.GetDouble(WarpRecord.MaxWarpNs), "ns", CrossVcpuOrder.WarpBound);
            c.ReportAll(CrossVcpuOrder.Check(w));
        }

        return warps;
    }

    /// <summary>The reason of the probe's `RIG skip` records, e.g. no-snapshots when the target refused a snapshot.</summary>
    public static bool ProbeSkipped(RigCase c, string reason) =>
        c.Records.Any(r => r.Kind == "skip" && r["reason"] == reason);
}
