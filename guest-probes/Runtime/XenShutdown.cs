namespace Rig.Guest;

/// <summary>
/// The exit on Xen, which has no isa-debug-exit: SCHEDOP_shutdown (public/sched.h, sched_op 29, struct sched_shutdown
/// { unsigned int reason; }) with the reason that names the probe's status (docs/protocol.md "Exit"): status 0 poweroff,
/// 1 watchdog, 2 crash. Not reboot: Xen ends a triple-faulting HVM/PVH guest with SHUTDOWN_reboot (seen here), which
/// must not read as "a case failed"; watchdog is the one reason a probe's domain never gets otherwise (no probe arms
/// SCHEDOP_watchdog). Pending console output is drained first: the domain's ring dies with it.
/// xl reports the reason; rig/Rig.Core/Targets/Xen/XenShutdown.cs reads it back.
/// </summary>
public static unsafe class XenShutdown
{
    private const ulong HypercallSchedOp = 29; // __HYPERVISOR_sched_op
    private const ulong SchedOpShutdown = 2; // SCHEDOP_shutdown

    /// <summary>Asks Xen to end this domain; returns only if Xen refused, with the hypercall's result (a -errno).</summary>
    internal static long Exit(byte status)
    {
        XenConsole.Drain();
        uint* reason = stackalloc uint[1];
        reason[0] = status switch { 0 => 0u, 1 => 4u, _ => 3u }; // SHUTDOWN_poweroff, SHUTDOWN_watchdog, SHUTDOWN_crash
        return (long)Native.Gate(GateOp.XenHypercall, XenTime.Entry(HypercallSchedOp), SchedOpShutdown, (ulong)reason);
    }
}
