using System.Text.Json.Nodes;
using NUnit.Framework;
using Rig.Cases;
using Rig.Com2;
using Rig.Suites.Time.Oracles;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>
/// time.torn-record (issue 12): the reference recalibrates 100 times a second and holds every kvmclock and Xen pvclock
/// record update half written for 1 ms, so readers on every vCPU are sure to meet records mid-update; none may compute
/// time from a torn record. A target that cannot be made to recalibrate is a skip.
/// </summary>
[TestFixture]
public sealed class TornRecord
{
    /// <summary>
    /// COM2 `recalibrate hz=N hold-us=M`: the reference recalibrates its clocks N times a second and holds each record
    /// update half written for M µs (rig-hv's x-rig-recalibrate). A target without the command acks err, and the probe
    /// reports the case skipped.
    /// </summary>
    private static VendorCommandAction RecalibrationActions() => new("recalibrate", "x-rig-recalibrate", "recalibrate",
        request => new JsonObject { ["hz"] = request.GetUInt64("hz"), ["hold-us"] = request.GetUInt64("hold-us") });

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int ms = Profile.Pick(normal: 2_000, lab: 20_000);
        await using var c = await RigCase.BootAsync(target, append: $"ms={ms}", vcpus: TimeRecords.Vcpus, hostActions: RecalibrationActions());
        var exit = await c.RunToExitAsync(TimeSpan.FromMilliseconds(ms) + TimeRecords.BootBound);
        c.Oracle("Xen public/xen.h vcpu_time_info and Linux pvclock-abi.h: the version is odd while the record is updated " +
                 "and changes with every update, and a reader retries until it copied a record under one even version; " +
                 "so no accepted copy is torn, and time from accepted copies never steps back on a vCPU");
        var records = c.Records.Where(r => r.Kind == TornReadsRecord.Kind).ToList();
        foreach (var r in records)
        {
            c.Evidence("observed: " + r.Line);
        }

        foreach (var r in TornReads.Unreadable(records))
        {
            c.Error("a `RIG torn` record lost part of its numbers on the way, so it cannot be judged: " + r.Line);
        }

        if (TimeRecords.ProbeSkipped(c, "no-forced-recalibration"))
        {
            c.Skip("the target cannot be made to recalibrate its clocks with updates held half written (rig-hv's x-rig-recalibrate)");
        }
        else if (records.Count == 0 && exit.ProbeStatus == 0)
        {
            c.Skip("the target offers no paravirtual clock (no kvmclock, no Xen pvclock)");
        }

        foreach (var clock in records.Select(r => r[TornReadsRecord.Clock] ?? "").Distinct())
        {
            c.Metric($"{clock}_retries", TornReads.Retries(records, clock), "count");
        }

        foreach (var clock in TornReads.Untested(records))
        {
            c.Error($"no reader of {clock} ever met a record mid-update (no retry, no torn copy), so nothing was tested");
        }

        c.ReportAll(TornReads.Check(records));
        c.Finish(exit, $"{string.Join(", ", records.Select(r => r["clock"]).Distinct())}: every accepted record whole, " +
                       "time never back, under high-rate recalibration with updates held half written");
    }
}
