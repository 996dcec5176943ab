namespace Rig.Guest;

/// <summary>
/// The standard COM2 actions of docs/protocol.md: their names, the fields the host reads and the fields its ack carries.
/// This one file is compiled into the guest runtime and into Rig.Core (Com2/StandardHostActions.cs), so an action or a
/// field renamed on one side fails the build instead of leaving a probe waiting for an ack that never comes.
/// </summary>
internal static class HostAction
{
    /// <summary>`reset`: a system reset; never acked (the guest boots again).</summary>
    public const string Reset = "reset";

    /// <summary>`nmi`: the host injects an NMI (QMP inject-nmi, xl trigger nmi).</summary>
    public const string Nmi = "nmi";

    /// <summary>`mce bank= status= mcg= addr= misc=`: the host injects a machine check into vCPU 0's bank.</summary>
    public const string Mce = "mce";
    public const string MceBank = "bank";
    public const string MceStatus = "status";
    public const string MceMcgStatus = "mcg";
    public const string MceAddress = "addr";
    public const string MceMisc = "misc";

    /// <summary>`pause us=`: the host stops the VM for us microseconds; acked with host_us= (how long it was stopped).</summary>
    public const string Pause = "pause";
    public const string PauseHostUs = "host_us";

    /// <summary>`snapshot-save name=` and `snapshot-revert name= [calibrate-during=1]`; after a revert the guest gets the save's ack with reverted=1.</summary>
    public const string SnapshotSave = "snapshot-save";
    public const string SnapshotRevert = "snapshot-revert";
    public const string SnapshotName = "name";
    public const string CalibrateDuring = "calibrate-during";
    public const string Reverted = "reverted";

    /// <summary>`calibrate`: the reference runs one clock calibration; acked with calibrations= (its count so far).</summary>
    public const string Calibrate = "calibrate";
    public const string Calibrations = "calibrations";

    /// <summary>`calibration-period us=`: the reference's calibration period.</summary>
    public const string CalibrationPeriod = "calibration-period";

    /// <summary>The microseconds field of `pause` and `calibration-period`.</summary>
    public const string Us = "us";

    /// <summary>`host-time`: acked with mono_raw_ns=, the host's CLOCK_MONOTONIC_RAW.</summary>
    public const string HostTime = "host-time";
    public const string MonoRawNs = "mono_raw_ns";

    /// <summary>
    /// `host-answer-s=` on the probe's command line (not a COM2 action): how many seconds the probe waits for an ack
    /// whose timing it does not check (Control.AnswerBoundUs), for a host whose answers take longer than the default.
    /// </summary>
    public const string AnswerBoundSeconds = "host-answer-s";
}
