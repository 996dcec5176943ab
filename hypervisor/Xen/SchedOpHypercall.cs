using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// __HYPERVISOR_sched_op (xen/include/public/sched.h) as far as a probe uses it: SCHEDOP_shutdown, struct sched_shutdown
/// { unsigned int reason; } at the pointer in RSI, reason SHUTDOWN_* (poweroff 0, reboot 1, suspend 2, crash 3,
/// watchdog 4). The VMM decides what a shutdown does; this only reads the reason. Other commands are -ENOSYS.
/// </summary>
public sealed class SchedOpHypercall(IXenGuestMemory memory, Action<int, uint> shutdown)
{
    public const ulong Shutdown = 2;
    public const uint Poweroff = 0;
    public const uint Reboot = 1;
    public const uint Crash = 3;
    public const uint Watchdog = 4;

    /// <summary>SHUTDOWN_soft_reset, the last reason Xen 4.17 knows (SHUTDOWN_MAX).</summary>
    private const uint LastReason = 5;

    public long Handle(int vcpu, HypercallArguments arguments)
    {
        if (arguments.Rdi != Shutdown)
        {
            return XenErrno.Enosys;
        }

        if (GuestLinearAccess.Read(memory, vcpu, arguments.Rsi, 4) is not byte[] request)
        {
            return XenErrno.Efault;
        }

        uint reason = BinaryPrimitives.ReadUInt32LittleEndian(request);
        if (reason > LastReason)
        {
            return XenErrno.Einval;
        }

        shutdown(vcpu, reason);
        return 0;
    }

    /// <summary>
    /// The probe status a reason carries (docs/protocol.md "Exit", as the rig reads xl's report: poweroff 0, watchdog 1,
    /// crash 2); null for the others, which Xen also gives a triple-faulting guest (reboot) and no probe asks for.
    /// </summary>
    public static int? ProbeStatus(uint reason) => reason switch
    {
        Poweroff => 0,
        Watchdog => 1,
        Crash => 2,
        _ => null,
    };
}
