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

    /// <summary>
    /// xl save of the domain (its memory written out by a dom0 under TCG) takes tens of seconds on xen-tcg-hvm, and
    /// the guest's TSC runs on while it is suspended (tsc_mode native): the wait ends at the ack, this bounds a host
    /// that never answers.
    /// </summary>
    private const ulong SnapshotTimeout = 300_000_000;

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
        // control (Xen: its restore runs hvm_load_cpu_ctxt's recompute on every revert anyway) still gets the revert
        // checks, with plain reverts.
        bool forced = Control.Request(HostAction.CalibrationPeriod + " " + HostAction.Us + "=1000", Host.Timeout) == Acknowledgement.Ok;
        for (ulong i = 0; i < reverts; i++)
        {
            if (!Host.Time(out ulong hostBefore))
            {
                Report.Fail(Name, "no-host-time");
                return;
            }
            Readings atSave = Readings.Now();
            if (!Host.Ask(Name, HostAction.SnapshotSave + " " + HostAction.SnapshotName + "=time", "no-snapshots", SnapshotTimeout))
            {
                return;
            }
            // The ack comes after a save, and a revert: on Xen each is a restored domain (see XenTime.Remap).
            if (!XenTime.Remap())
            {
                Report.Fail(Name, "shared-info-remap-refused");
                return;
            }
            if (!Control.TryGetAckNumber(HostAction.Reverted, out _))
            {
                // Run on past the snapshot, so the revert has something to undo, then go back.
                StepCheck.Run(All, 3000, null);
                // A calibration inside the revert window every time where the target can force one: seed 000's race.
                Control.Request(
                    forced
                        ? HostAction.SnapshotRevert + " " + HostAction.SnapshotName + "=time " + HostAction.CalibrateDuring + "=1"
                        : HostAction.SnapshotRevert + " " + HostAction.SnapshotName + "=time",
                    SnapshotTimeout);
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
