namespace Rig.Hypervisor.Xen;

/// <summary>
/// What the hypervisor counted of its event channels since boot, for QMP x-rig-evtchn-stats: the oracles compare the
/// guest's receipts with <see cref="Sends"/> and <see cref="Lost"/>, and judge <see cref="LongestSendNs"/> and
/// <see cref="MostSetLinkRetries"/> against the design's bound (the sends the rig held open for its forced race are not timed).
/// </summary>
public readonly record struct EventChannelStats(
    long Sends,
    long Coalesced,
    long Links,
    long SetLinkRetries,
    long MostSetLinkRetries,
    long Lost,
    long Unroutable,
    long Upcalls,
    long LongestSendNs);
