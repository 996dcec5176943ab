namespace Rig.Guest;

/// <summary>
/// EVTCHNOP_* command numbers (xen/include/public/event_channel.h): one list for the guest's event-channel driver
/// (<see cref="XenEvents"/>), the fuzzing probe and its oracle (<see cref="FuzzOracle"/>, also compiled into Rig.Core).
/// </summary>
internal static class EvtchnOp
{
    public const ulong BindInterdomain = 0;
    public const ulong BindVirq = 1;
    public const ulong Close = 3;
    public const ulong Send = 4;
    public const ulong Status = 5;
    public const ulong AllocUnbound = 6;
    public const ulong BindIpi = 7;
    public const ulong BindVcpu = 8;
    public const ulong Unmask = 9;
    public const ulong InitControl = 11;
    public const ulong ExpandArray = 12;
    public const ulong SetPriority = 13;
}
