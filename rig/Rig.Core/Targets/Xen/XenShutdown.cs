namespace Rig.Targets.Xen;

/// <summary>
/// How a probe's exit status travels on Xen, where there is no isa-debug-exit: the runtime shuts its domain down with
/// SCHEDOP_shutdown and a reason (public/sched.h SHUTDOWN_*) that names the status, and xl reports that reason
/// (docs/protocol.md "Exit"). A crash is the domain dying without asking (a triple fault, Xen killing it): the same
/// meaning as status 2, "the probe hit an error".
/// </summary>
public static class XenShutdown
{
    public const int Poweroff = 0;
    public const int Reboot = 1;
    public const int Suspend = 2;
    public const int Crash = 3;
    public const int Watchdog = 4;

    /// <summary>The probe status a shutdown reason stands for; null for a reason no probe gives (suspend, watchdog, none).</summary>
    public static int? ProbeStatus(int reason) => reason switch
    {
        Poweroff => 0,
        Reboot => 1,
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
