namespace Rig.Hypervisor.Xen;

/// <summary>Hypercall numbers the rig's Xen interface knows (__HYPERVISOR_* in xen/include/public/xen.h).</summary>
public static class XenHypercallNumber
{
    public const uint MemoryOp = 12;
    public const uint XenVersion = 17;
    public const uint SchedOp = 29;
    public const uint VcpuOp = 24;
    public const uint EventChannelOp = 32;
    public const uint HvmOp = 34;
}
