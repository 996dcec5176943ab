namespace Rig.Hypervisor.Xen;

/// <summary>Hypercall numbers the rig's Xen interface knows (__HYPERVISOR_* in xen/include/public/xen.h).</summary>
public static class XenHypercallNumber
{
    public const uint MemoryOp = 12;
    public const uint XenVersion = 17;
    public const uint VcpuOp = 24;

    /// <summary>Not handled yet: the evtchn suite registers its handler with <see cref="XenHypercallDispatcher.Register"/>.</summary>
    public const uint EventChannelOp = 32;
}
