namespace Rig.Hypervisor.Xen;

/// <summary>
/// Byte offsets of the x86-64 <c>struct shared_info</c> and <c>struct vcpu_info</c> (xen/include/public/xen.h and
/// arch-x86/xen.h, 64-bit guest, xen_ulong_t = 8 bytes). The page is what XENMEM_add_to_physmap with
/// XENMAPSPACE_shared_info places in the guest.
/// </summary>
public static class SharedInfoLayout
{
    public const int PageSize = 4096;

    /// <summary>XEN_LEGACY_MAX_VCPUS on x86: vCPUs beyond it need VCPUOP_register_vcpu_info (not offered here).</summary>
    public const int LegacyMaxVcpus = 32;

    // struct vcpu_info: evtchn_upcall_pending (u8), evtchn_upcall_mask (u8), pad to 8, evtchn_pending_sel
    // (xen_ulong_t), struct arch_vcpu_info { cr2; pad; } (16 bytes), struct vcpu_time_info time (32 bytes).
    public const int VcpuInfoSize = 64;
    public const int VcpuInfoUpcallPendingOffset = 0;
    public const int VcpuInfoUpcallMaskOffset = 1;
    public const int VcpuInfoPendingSelOffset = 8;
    public const int VcpuInfoArchOffset = 16;
    public const int VcpuInfoTimeOffset = 32;

    // struct shared_info: vcpu_info[32], evtchn_pending[64], evtchn_mask[64] (xen_ulong_t each), then the wallclock.
    public const int VcpuInfoArrayOffset = 0;
    public const int EvtchnPendingOffset = LegacyMaxVcpus * VcpuInfoSize;
    public const int EvtchnWordCount = sizeof(ulong) * 8;
    public const int EvtchnMaskOffset = EvtchnPendingOffset + EvtchnWordCount * sizeof(ulong);
    public const int WallclockVersionOffset = EvtchnMaskOffset + EvtchnWordCount * sizeof(ulong);
    public const int WallclockSecondsOffset = WallclockVersionOffset + 4;
    public const int WallclockNanosecondsOffset = WallclockVersionOffset + 8;
    public const int WallclockSecondsHighOffset = WallclockVersionOffset + 12;
    public const int ArchSharedInfoOffset = WallclockVersionOffset + 16;

    public static int VcpuTimeOffset(int vcpu) => VcpuInfoArrayOffset + vcpu * VcpuInfoSize + VcpuInfoTimeOffset;
}
