namespace Rig.Guest;

/// <summary>
/// Xen's pvclock for an HVM guest. Xen's CPUID leaves sit at the first 0x100-aligned base from 0x40000000 that
/// carries its signature (public/arch-x86/cpuid.h); leaf base+2 names the MSR that installs the hypercall page;
/// XENMEM_add_to_physmap with XENMAPSPACE_shared_info (public/memory.h) places shared_info, whose vcpu_info[id].time
/// (public/xen.h, 64-byte vcpu_info, time at offset 32) every vCPU then reads by the pvclock protocol. The hypercall
/// runs through the CPL0 gate because the page's entry may do port I/O (rig-hv) that CPL3 cannot do under kvm_pvm.
/// </summary>
public static unsafe class XenTime
{
    private const ulong HypercallMemoryOp = 12; // __HYPERVISOR_memory_op
    private const ulong AddToPhysmap = 7; // XENMEM_add_to_physmap
    private const ushort DomidSelf = 0x7FF0;
    private const uint MapSpaceSharedInfo = 0;
    private const int LegacyMaxVcpus = 32; // vcpu_info[] in shared_info (XEN_LEGACY_MAX_VCPUS)
    private const uint VcpuIdPresent = 1 << 3; // leaf base+4 EAX: XEN_HVM_CPUID_VCPU_ID_PRESENT
    private const ulong PageSize = 4096;

    private static byte* sharedInfo;
    private static byte* hypercallPage;
    private static bool baseKnown;
    private static uint baseLeaf;

    /// <summary>
    /// The base of Xen's CPUID leaves, 0 when this is not Xen (or a VMM offering Xen's interface). The search is up
    /// to 256 gate calls, so it runs once per boot.
    /// </summary>
    public static uint BaseLeaf
    {
        get
        {
            if (!baseKnown)
            {
                baseLeaf = FindBaseLeaf();
                baseKnown = true;
            }
            return baseLeaf;
        }
    }

    private static uint FindBaseLeaf()
    {
        if (!Hypervisor.Present)
        {
            return 0;
        }
        for (uint leaf = 0x40000000; leaf < 0x40010000; leaf += 0x100)
        {
            Cpu.CpuidResult r = Cpu.Cpuid(leaf);
            if (r.Ebx == 0x566e6558 && r.Ecx == 0x65584d4d && r.Edx == 0x4d4d566e && r.Eax >= leaf + 2) // "XenVMMXenVMM"
            {
                return leaf;
            }
        }
        return 0;
    }

    public static bool Mapped => sharedInfo != null;

    /// <summary>shared_info once <see cref="Enable"/> mapped it (event channels read vcpu_info's upcall flag there).</summary>
    public static byte* SharedInfo => sharedInfo;

    /// <summary>The hypercall page's entry for hypercall <paramref name="number"/> (32-byte slots, public/xen.h).</summary>
    public static ulong Entry(ulong number) => (ulong)hypercallPage + number * 32;

    /// <summary>
    /// Installs the hypercall page and maps shared_info; call once on one vCPU before any reads. False with a
    /// <paramref name="reason"/> when Xen is absent or refused.
    /// </summary>
    public static bool Enable(out string reason)
    {
        reason = "";
        if (sharedInfo != null)
        {
            return true;
        }
        uint leaf = BaseLeaf;
        if (leaf == 0)
        {
            reason = AbsenceReason.NoXenCpuidLeaves;
            return false;
        }
        hypercallPage = AlignedPage();
        if (!Msr.TryWrite(Cpu.Cpuid(leaf + 2).Ebx, (ulong)hypercallPage))
        {
            reason = AbsenceReason.HypercallPageMsrRefused;
            return false;
        }
        byte* page = AlignedPage();
        if (!MapSharedInfo(page))
        {
            reason = AbsenceReason.AddToPhysmapRefused;
            return false;
        }
        sharedInfo = page;
        InterfaceUse.Mark(TargetInterface.Xen);
        return true;
    }

    /// <summary>
    /// Maps shared_info again at its page after the domain was restored from a checkpoint (a snapshot revert): Xen's
    /// restore builds a new domain, where that gfn is plain RAM holding the saved copy, no longer updated by Xen (Linux
    /// re-maps it in xen_hvm_post_suspend for this reason). On rig-hv the page stays where it was. False if refused.
    /// </summary>
    public static bool Remap() => sharedInfo == null || MapSharedInfo(sharedInfo);

    private static bool MapSharedInfo(byte* page)
    {
        // struct xen_add_to_physmap: domid (u16), size (u16), space (u32), idx (xen_ulong_t), gpfn (xen_pfn_t).
        ulong* request = stackalloc ulong[3];
        *(ushort*)request = DomidSelf;
        ((uint*)request)[1] = MapSpaceSharedInfo;
        request[1] = 0;
        request[2] = (ulong)page / PageSize;
        return Native.Gate(GateOp.XenHypercall, Entry(HypercallMemoryOp), AddToPhysmap, (ulong)request) == 0;
    }

    /// <summary>This vCPU's Xen id (leaf base+4 EBX when present), as shared_info indexes vcpu_info.</summary>
    public static uint VcpuId
    {
        get
        {
            Cpu.CpuidResult r = Cpu.Cpuid(BaseLeaf + 4);
            return (r.Eax & VcpuIdPresent) != 0 ? r.Ebx : (uint)Cpu.Index;
        }
    }

    /// <summary>
    /// This vCPU's vcpu_time_info, or null when shared_info is not mapped or the vCPU is beyond the legacy array
    /// (which would need VCPUOP_register_vcpu_info). Look it up once per vCPU: CPUID exits.
    /// </summary>
    public static PvClockTimeInfo* Area
    {
        get
        {
            uint id = VcpuId;
            return sharedInfo == null || id >= LegacyMaxVcpus ? null : (PvClockTimeInfo*)(sharedInfo + id * 64 + 32);
        }
    }

    private static byte* AlignedPage()
    {
        ulong raw = (ulong)Heap.Allocate(2 * PageSize);
        return (byte*)((raw + PageSize - 1) & ~(PageSize - 1));
    }
}
