using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>What the VMM core builds differently for a <see cref="MachineType.XenPvh"/> machine.</summary>
internal static class XenPvhPlatform
{
    /// <summary>Pages at the top of RAM the memory map reserves: the PV console's ring (Xen keeps its special pages out of RAM too).</summary>
    public const int ReservedTopPages = 1;

    /// <summary>The PV console's ring page: the last page of RAM.</summary>
    public static ulong ConsolePage(ulong memoryBytes) => memoryBytes - PvConsoleBackend.PageSize;

    /// <summary>
    /// A PVH domU's CPUID: KVM's own leaves (0x40000000–0x400000FF, kvmclock) are not there, and Xen's sit at 0x40000000
    /// as Xen itself places them (xen/include/public/arch-x86/cpuid.h).
    /// </summary>
    public static CpuidEntry[] Cpuid(CpuidEntry[] pc, XenGuestInterface xen, int vcpu) =>
        [.. pc.Where(e => e.Function is < XenCpuid.SoleBaseLeaf or >= XenCpuid.SoleRangeEnd), .. xen.CpuidEntries(vcpu, XenCpuid.SoleBaseLeaf)];
}
