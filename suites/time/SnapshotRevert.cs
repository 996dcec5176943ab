using NUnit.Framework;
using Rig.Cases;
using Rig.Protocol;
using Rig.Suites.Time.Oracles;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>
/// time.snapshot-revert (seed 000): save, run on, revert with a calibration forced inside the revert window (between the
/// reference's TSC latch and its recompute, so the recompute meets seed 000's negative delta on every revert); after
/// each revert every clock continues from the snapshot's time, never a step back and never a jump of years.
/// </summary>
[TestFixture]
public sealed class SnapshotRevert
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        // A few reverts through xl still run Xen's restore path (hvm_load_cpu_ctxt) on every one.
        bool xl = XlControlPlane.Drives(target);
        int reverts = xl ? 3 : Profile.Pick(normal: 20, lab: 500);
        var bound = TimeRecords.BootBound + ((xl ? XlControlPlane.Revert : TimeSpan.FromMilliseconds(500)) * reverts);
        await using var c = await RigCase.BootAsync(target, append: $"n={reverts}", watchdog: bound);
        var exit = await c.RunToExitAsync(bound);
        Judge(c, reverts, exit.ProbeStatus);
        c.Finish(exit, $"{reverts} reverts, every clock continuous with its snapshot");
    }

    /// <summary>The revert checks, shared with calibration-race, which runs the same probe with readers and forced calibrations.</summary>
    internal static void Judge(RigCase c, int reverts, int? probeStatus)
    {
        c.Oracle("A reverted VM resumes from its snapshot, so its clocks continue from the snapshot's time: not before it, and " +
                 $"not past it by more than the host time between the readings plus {TimeRecords.MarginNs / 1e6:0} ms (Xen " +
                 "hvm_load_cpu_ctxt → get_s_time_fixed must not scale a negative delta as unsigned, seed 000)");
        if (TimeRecords.ProbeSkipped(c, "no-snapshots") && probeStatus == 0)
        {
            c.Skip("the target has no in-memory snapshot save and revert (rig-hv's QMP x-rig-snapshot-*)");
            return;
        }

        var records = c.Records.Where(r => r.Kind == RevertRecord.Kind).ToList();
        var observations = Observations(c, records);
        c.ReportAll(RevertContinuity.Check(observations, TimeRecords.MarginNs));

        c.Report(records.Count == reverts, $"{records.Count} of {reverts} reverts observed");
    }

    private static List<RevertObservation> Observations(RigCase c, IEnumerable<Record> records)
    {
        var observations = new List<RevertObservation>();
        foreach (var r in records)
        {
            foreach (var clock in TimeRecords.RecordedClocks.Where(k => r[k + ClockNames.StepSuffix] is not null))
            {
                double step = r.GetDouble(clock + ClockNames.StepSuffix);
                observations.Add(new RevertObservation(clock, step, r.GetDouble(RevertRecord.HostNs)));
                c.Metric($"{clock}_revert_step_us", step / 1000, "us", RevertContinuity.StepBound);
            }
        }

        return observations;
    }
}
