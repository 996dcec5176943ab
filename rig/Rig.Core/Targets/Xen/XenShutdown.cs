namespace Rig.Targets.Xen;

/// <summary>
/// How a probe's exit status travels on Xen, where there is no isa-debug-exit: the runtime shuts its domain down with
/// SCHEDOP_shutdown and a reason (public/sched.h SHUTDOWN_*) that names the status, and xl reports that reason
/// (docs/protocol.md "Exit"): poweroff 0, watchdog 1, crash 2. Reboot is not one: Xen shuts a triple-faulting HVM or
/// PVH guest down with SHUTDOWN_reboot ("Triple fault - invoking HVM shutdown action 1", seen on xen-tcg), which must not
/// read as "a case failed". Watchdog is the one reason a probe's domain never gets otherwise (no probe arms
/// SCHEDOP_watchdog); a crash (Xen killing the domain) means what status 2 means, "the probe hit an error".
/// </summary>
public static class XenShutdown
{
    public const int Poweroff = 0;
    public const int Reboot = 1;
    public const int Suspend = 2;
    public const int Crash = 3;
    public const int Watchdog = 4;

    /// <summary>The probe status a shutdown reason stands for; null for a reason no probe gives (reboot, suspend, none).</summary>
    public static int? ProbeStatus(int reason) => reason switch
    {
        Poweroff => 0,
        Watchdog => 1,
        Crash => 2,
        _ => null,
    };

    /// <summary>
    /// The exit in the shape every target reports: a probe status as isa-debug-exit's <c>(status &lt;&lt; 1) | 1</c>, any
    /// other end as an even code (0x100 + 2 × reason, or 0x200 when xl saw no shutdown) so it is never read as a status.
    /// </summary>
    public static VmExit ToExit(int reason, bool timedOut, bool killedByWatchdog) =>
        new(ProbeStatus(reason) is { } status ? (status << 1) | 1 : reason >= 0 ? 0x100 + 2 * reason : 0x200, timedOut, killedByWatchdog);
}
