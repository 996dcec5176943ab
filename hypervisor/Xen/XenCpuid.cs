using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// Xen's CPUID leaves (xen/include/public/arch-x86/cpuid.h). Xen puts them at the first 0x100-aligned base from
/// 0x40000000 not taken by another hypervisor interface; KVM's own leaves (kvmclock) stay at 0x40000000, so here they
/// start at 0x40000100. On the xen-pvh machine there are no KVM leaves and they start at 0x40000000, where a real Xen
/// puts them. KVM answers CPUID in the kernel from the vCPU's table, so these are table entries (KVM_SET_CPUID2), per
/// vCPU because leaf 0x40000x04 carries the vCPU id.
/// </summary>
public static class XenCpuid
{
    public const uint BaseLeaf = 0x40000100;
    public const uint LastLeaf = BaseLeaf + 4;

    /// <summary>The base when Xen is the only hypervisor interface (the xen-pvh machine, and Xen itself).</summary>
    public const uint SoleBaseLeaf = 0x40000000;

    /// <summary>The first leaf after Xen's range: a leaf from <see cref="SoleBaseLeaf"/> below it is Xen's.</summary>
    public const uint SoleRangeEnd = SoleBaseLeaf + 0x100;

    public const uint SignatureEbx = 0x566e6558; // "XenV"
    public const uint SignatureEcx = 0x65584d4d; // "MMXe"
    public const uint SignatureEdx = 0x4d4d566e; // "nVMM"

    /// <summary>
    /// Base of the Xen MSRs (leaf 0x40000x02 EBX); base + 0 takes the hypercall page address. Xen moves it from
    /// 0x40000000 to 0x40000200 when Viridian's MSRs share the range; rig-hv uses 0x40000200 always so KVM's Hyper-V
    /// MSRs (0x40000000–0x400000FF) can never collide with it.
    /// </summary>
    public const uint MsrBase = 0x40000200;
    public const uint HypercallPageMsr = MsrBase;

    // Leaf 0x40000x03 sub-leaf 0 EAX bits and EBX tsc_mode values.
    public const uint TscHostReliable = 1u << 1;
    public const uint TscModeNeverEmulate = 2;

    // Leaf 0x40000x04 EAX bits.
    public const uint HvmVcpuIdPresent = 1u << 3;

    /// <summary>KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry applies to one ECX sub-leaf only.</summary>
    private const uint SignificantIndex = 1;

    /// <summary>The Xen leaves for <paramref name="vcpu"/> from <paramref name="baseLeaf"/>, to append to the KVM CPUID table.</summary>
    public static CpuidEntry[] Entries(int vcpu, ulong tscHz, TimeScale scale, bool tscStable, uint baseLeaf = BaseLeaf)
    {
        uint tscKhz = (uint)Math.Min(tscHz / 1000, uint.MaxValue);
        return
        [
            Entry(baseLeaf, 0, baseLeaf + 4, SignatureEbx, SignatureEcx, SignatureEdx),
            Entry(baseLeaf + 1, 0, XenInterfaceVersion.Packed, 0, 0, 0),
            // One hypercall page; no Features 1/2 bits (none of them apply to an HVM guest of rig-hv).
            Entry(baseLeaf + 2, 0, 1, MsrBase, 0, 0),
            // Time, sub-leaf 0: the TSC is not emulated; tsc_mode 2 "never emulate"; guest TSC kHz; incarnation 0
            // (KVM freezes the table once the vCPU has run, so a revert cannot count itself here).
            SubLeaf(baseLeaf + 3, 0, tscStable ? TscHostReliable : 0, TscModeNeverEmulate, tscKhz, 0),
            // Sub-leaf 1: the guest TSC's offset from the one Xen's scale applies to (none), and its tick-to-ns scale.
            SubLeaf(baseLeaf + 3, 1, 0, 0, scale.MulFrac, (uint)(int)scale.Shift),
            // Sub-leaf 2: host TSC kHz, the same clock since there is no TSC scaling.
            SubLeaf(baseLeaf + 3, 2, tscKhz, 0, 0, 0),
            Entry(baseLeaf + 4, 0, HvmVcpuIdPresent, (uint)vcpu, 0, 0),
        ];
    }

    private static CpuidEntry Entry(uint function, uint index, uint eax, uint ebx, uint ecx, uint edx) =>
        new() { Function = function, Index = index, Eax = eax, Ebx = ebx, Ecx = ecx, Edx = edx };

    private static CpuidEntry SubLeaf(uint function, uint index, uint eax, uint ebx, uint ecx, uint edx)
    {
        CpuidEntry entry = Entry(function, index, eax, ebx, ecx, edx);
        entry.Flags = SignificantIndex;
        return entry;
    }
}
