using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Puts the calling thread in the SCHED_FIFO class (sched(7)), so that when it becomes runnable it runs before every
/// ordinary thread of the host. The device timer thread needs this: it sleeps almost always, but an expiry it wakes for
/// must reach the vCPU while the guest runs, and on a loaded host an ordinary thread waits tens of milliseconds for a
/// core (docs/notes/apic.md). The kernel's real-time throttling (sched_rt_runtime_us) bounds what a runaway could take.
/// </summary>
public static unsafe class HostRealTimeThread
{
    // Low in the 1-99 range: above every ordinary thread, below the kernel's own real-time threads.
    private const int Priority = 10;

    /// <summary>True when the calling thread is now SCHED_FIFO; false (the thread unchanged) without CAP_SYS_NICE.</summary>
    public static bool TryEnter()
    {
        int priority = Priority;
        return LibcGaps.SchedSetscheduler(0, LibC.SCHED_FIFO, &priority) == 0;
    }
}
