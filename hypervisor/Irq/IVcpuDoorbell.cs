namespace Rig.Hypervisor.Irq;

/// <summary>
/// Wakes one vCPU so it looks at its LAPIC again. Rung from any thread (other vCPUs, the timer thread, QMP) whenever a new
/// event may have become pending; it must not block and must not call back into the interrupt controllers.
/// </summary>
public interface IVcpuDoorbell
{
    void Ring();

    /// <summary>
    /// Rings at host CLOCK_MONOTONIC <paramref name="deadlineNs"/> if the vCPU is then in the guest, replacing the previous
    /// deadline (long.MaxValue: none): the vCPU serves its due timers itself, on the CPU it runs on, instead of waiting for
    /// the timer thread to be scheduled (<see cref="TimerQueue"/>).
    /// </summary>
    void RingAt(long deadlineNs);

    /// <summary>
    /// True while the vCPU waits in the VMM (HLT, wait-for-SIPI), where <see cref="RingAt"/> cannot reach it: the timer
    /// thread alone serves its timers then. False while it may be in the guest and serves them itself.
    /// </summary>
    bool Sleeping { get; }
}
