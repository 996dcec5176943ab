using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// __HYPERVISOR_memory_op (xen/include/public/memory.h), of which rig-hv implements XENMEM_add_to_physmap for
/// XENMAPSPACE_shared_info: the way an HVM guest asks for its shared_info page. cmd in RDI, pointer in RSI.
/// </summary>
public sealed class MemoryOpHypercall(IXenGuestMemory memory, SharedInfoPublisher publisher, XenClock clock)
{
    public const ulong AddToPhysmap = 7;

    /// <summary>The low bits of cmd name the operation; the rest is a continuation's progress (MEMOP_EXTENT_SHIFT 6).</summary>
    public const ulong CommandMask = (1 << 6) - 1;

    public const ushort DomidSelf = 0x7FF0;
    public const uint MapSpaceSharedInfo = 0;

    // struct xen_add_to_physmap: domid_t domid; uint16_t size; unsigned int space; xen_ulong_t idx; xen_pfn_t gpfn.
    public const int AddToPhysmapSize = 24;
    public const int DomidOffset = 0;
    public const int SpaceOffset = 4;
    public const int IdxOffset = 8;
    public const int GpfnOffset = 16;

    public long Handle(int vcpu, HypercallArguments arguments) => (arguments.Rdi & CommandMask) switch
    {
        AddToPhysmap => AddSharedInfoToPhysmap(vcpu, arguments.Rsi),
        _ => XenErrno.Enosys,
    };

    private long AddSharedInfoToPhysmap(int vcpu, ulong pointer)
    {
        if (GuestLinearAccess.Read(memory, vcpu, pointer, AddToPhysmapSize) is not byte[] request)
        {
            return XenErrno.Efault;
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(DomidOffset)) != DomidSelf)
        {
            return XenErrno.Esrch;
        }

        // Other spaces (grant table, gmfn ranges, foreign and device memory) are not implemented.
        if (BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(SpaceOffset)) != MapSpaceSharedInfo)
        {
            return XenErrno.Enosys;
        }

        // There is one shared_info frame; Xen answers any other index with -EINVAL.
        ulong gpfn = BinaryPrimitives.ReadUInt64LittleEndian(request.AsSpan(GpfnOffset));
        if (BinaryPrimitives.ReadUInt64LittleEndian(request.AsSpan(IdxOffset)) != 0 || gpfn > ulong.MaxValue >> 12)
        {
            return XenErrno.Einval;
        }

        if (!publisher.MapSharedInfo(gpfn << 12, clock.BootRealtimeNanoseconds))
        {
            return XenErrno.Einval;
        }

        for (int each = 0; each < clock.VcpuCount; each++)
        {
            clock.Republish(each);
        }

        return 0;
    }
}
