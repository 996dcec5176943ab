namespace Rig.Guest;

/// <summary>
/// The exit on Xen, which has no isa-debug-exit: SCHEDOP_shutdown (public/sched.h, sched_op 29, struct sched_shutdown
/// { unsigned int reason; }) with the reason that names the probe's status (docs/protocol.md "Exit"): status 0 poweroff,
/// 1 reboot, 2 crash. xl reports the reason; rig/Rig.Core/Targets/Xen/XenShutdown.cs reads it back.
/// </summary>
public static unsafe class XenShutdown
{
    private const ulong HypercallSchedOp = 29; // __HYPERVISOR_sched_op
    private const ulong SchedOpShutdown = 2; // SCHEDOP_shutdown

    /// <summary>Asks Xen to end this domain; returns only if Xen refused.</summary>
    internal static void Exit(byte status)
    {
        uint* reason = stackalloc uint[1];
        reason[0] = status switch { 0 => 0u, 1 => 1u, _ => 3u }; // SHUTDOWN_poweroff, SHUTDOWN_reboot, SHUTDOWN_crash
        Native.Gate(GateOp.XenHypercall, XenTime.Entry(HypercallSchedOp), SchedOpShutdown, (ulong)reason);
    }
}
