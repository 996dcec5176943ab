using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>
/// time.snapshot-revert and time.calibration-race, guest side. The BSP asks for Xen-clock calibration every ms, then
/// `n=` times: host time, every clock, snapshot-save; on the first return it runs on for a few ms and asks for a
/// revert with a calibration inside its window (`calibrate-during=1`, seed 000's race), which brings it back into the save's wait with `reverted=1`; it then reads every clock and the host time
/// again and prints `RIG revert` (each clock's step across save..revert, and the host's time between). With
/// `readers=1` the APs read every clock back to back throughout (`RIG steps`), racing the host's calibrations.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const int All = (1 << Clocks.Count) - 1;

    private static ulong reverts;

    public static void Main()
    {
        reverts = CommandLine.GetNumber("n", 20);
        Clocks.Setup(Name);
        if (CommandLine.Is("readers", "1"))
        {
            Readers.Start(Name, &Work);
            return;
        }
        StepCheck.Allocate(64);
        RevertRepeatedly();
    }

    private static void Work(int cpu) => Readers.Run(Name, cpu, &RevertRepeatedly);

    private static void RevertRepeatedly()
    {
        // Calibration every ms makes one likely to land inside a revert (seed 000's race); a target without that
        // control still gets the revert checks.
        Host.Ask(Name, HostAction.CalibrationPeriod + " " + HostAction.Us + "=1000", "no-calibration-control");
        for (ulong i = 0; i < reverts; i++)
        {
            if (!Host.Time(out ulong hostBefore))
            {
                Report.Fail(Name, "no-host-time");
                return;
            }
            Readings atSave = Readings.Now();
            if (!Host.Ask(Name, HostAction.SnapshotSave + " " + HostAction.SnapshotName + "=time", "no-snapshots"))
            {
                return;
            }
            if (!Control.TryGetAckNumber(HostAction.Reverted, out _))
            {
                // Run on past the snapshot, so the revert has something to undo, then go back.
                StepCheck.Run(All, 3000, null);
                // A calibration inside the revert window every time: seed 000's race, forced, not waited for.
                Control.Request(HostAction.SnapshotRevert + " " + HostAction.SnapshotName + "=time " + HostAction.CalibrateDuring + "=1", Host.Timeout);
                Report.Fail(Name, "revert-did-not-happen");
                return;
            }
            Readings afterRevert = Readings.Now();
            if (!Host.Time(out ulong hostAfter))
            {
                Report.Fail(Name, "no-host-time");
                return;
            }
            Line line = default;
            line.Text("RIG ");
            line.Text(RevertRecord.Kind);
            line.Field(RevertRecord.Index, i);
            line.Field(RevertRecord.HostNs, hostAfter - hostBefore);
            Readings.AddSteps(ref line, atSave, afterRevert);
            Console.Write(ref line);
        }
    }
}
