namespace Rig.Hypervisor.Vm;

/// <summary>
/// rig-hv's process exit status. A guest write of v to isa-debug-exit (0xF4) exits with (v &lt;&lt; 1) | 1, always odd;
/// the VMM's own outcomes use even codes so the two never collide.
/// </summary>
public static class ExitCodes
{
    /// <summary>QMP <c>quit</c>.</summary>
    public const int Quit = 0;

    /// <summary>Bad command line or boot image: nothing ran.</summary>
    public const int Usage = 2;

    /// <summary>The guest shut the machine down (triple fault, KVM system-event shutdown).</summary>
    public const int GuestShutdown = 122;

    /// <summary>The --timeout wall-clock limit passed.</summary>
    public const int Watchdog = 124;

    /// <summary>An exit the VMM does not handle (KVM internal error, failed entry) or a VMM fault: GUEST_PANICKED.</summary>
    public const int InternalError = 126;
}
