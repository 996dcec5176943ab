namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG storm count= sent= us= bound_ms= delivered= logged= pings= lost_pings= bursts= burst_sent= burst_delivered= empty_bursts= over_bursts= holds= holds_inconclusive= hold_sent= hold_after= bad_holds= first_bad_after= nested= host_nmis= host_refused= host_unanswered= stalls=`: one nmi-storm run's accounting (probes/NmiStorm.cs), judged by Oracles/StormAccounting.cs (SDM Vol. 3A 6.7.1).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class StormRecord
{
    public const string Kind = "storm";
    public const string Count = "count";
    public const string Sent = "sent";
    public const string Us = "us";
    public const string BoundMs = "bound_ms";
    public const string Delivered = "delivered";
    public const string Logged = "logged";
    public const string Pings = "pings";
    public const string LostPings = "lost_pings";
    public const string Bursts = "bursts";
    public const string BurstSent = "burst_sent";
    public const string BurstDelivered = "burst_delivered";
    public const string EmptyBursts = "empty_bursts";
    public const string OverBursts = "over_bursts";
    public const string Holds = "holds";
    public const string HoldsInconclusive = "holds_inconclusive";
    public const string HoldSent = "hold_sent";
    public const string HoldAfter = "hold_after";
    public const string BadHolds = "bad_holds";
    public const string FirstBadAfter = "first_bad_after";
    public const string Nested = "nested";
    public const string HostNmis = "host_nmis";
    public const string HostRefused = "host_refused";
    public const string HostUnanswered = "host_unanswered";
    public const string Stalls = "stalls";
}
