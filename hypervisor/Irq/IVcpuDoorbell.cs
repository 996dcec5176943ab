namespace Rig.Hypervisor.Irq;

/// <summary>
/// Wakes one vCPU so it looks at its LAPIC again. Rung from any thread (other vCPUs, the timer thread, QMP) whenever a new
/// event may have become pending; it must not block and must not call back into the interrupt controllers.
/// </summary>
public interface IVcpuDoorbell
{
    void Ring();
}
