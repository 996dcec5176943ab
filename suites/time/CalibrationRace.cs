using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Time.Records;
using Rig.Targets;

namespace Rig.Suites.Time;

/// <summary>
/// time.calibration-race (seed 000): the host forces Xen-clock calibrations as fast as QMP answers while the APs read
/// every clock back to back and the BSP saves and reverts snapshots; no clock steps back or jumps.
/// </summary>
[TestFixture]
public sealed class CalibrationRace
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int reverts = Profile.Pick(normal: 20, lab: 500);
        var bound = TimeRecords.BootBound + TimeSpan.FromMilliseconds(reverts * 500);
        await using var c = await RigCase.BootAsync(
            target, probe: "SnapshotRevert", append: $"n={reverts} readers=1", vcpus: TimeRecords.Vcpus, watchdog: bound);
        using var done = new CancellationTokenSource();
        var forcing = ForceCalibrationsAsync(c.Vm, done.Token);
        var exit = await c.RunToExitAsync(bound);
        await done.CancelAsync();
        var (calibrations, refused) = await forcing;
        if (refused is not null)
        {
            c.Skip($"the target has no clock calibration to force ({refused})");
            c.Complete();
            return;
        }

        c.Evidence($"host: {calibrations} calibrations forced");
        c.Metric("forced_calibrations", calibrations, "count");
        SnapshotRevert.Judge(c, reverts, exit.ProbeStatus);
        TimeRecords.JudgeSteps(c, [ClockNames.Tsc, ClockNames.Rdtscp, ClockNames.KvmClock, ClockNames.XenClock]);
        c.Finish(exit, $"{calibrations} forced calibrations against readers and {reverts} reverts, every clock continuous");
    }

    /// <summary>Calibrates until told to stop or the VM is gone; the count, or why the target refused.</summary>
    private static async Task<(long Calibrations, string? Refused)> ForceCalibrationsAsync(IControlPlane vm, CancellationToken stop)
    {
        long count = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                count = await vm.RequireReference("calibrate its clock").CalibrateClockAsync(stop);
            }
        }
        catch (TargetUnsupportedException e)
        {
            return (0, e.Reason);
        }
        catch (Exception e) when (e is OperationCanceledException or Qmp.QmpConnectionException or Qmp.QmpCommandException or IOException)
        {
            // The probe finished and the VM went away, or the case is over.
        }

        return (count, null);
    }
}
