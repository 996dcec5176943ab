namespace Rig.Guest;

/// <summary>
/// Xen's hvm_info_table (xen/include/public/hvm/hvm_info_table.h), which the domain builder writes at HVM_INFO_PADDR
/// 0x9F800 of every HVM domain with a device model (tools/libs/guest/xg_dom_x86.c build_hvm_info, libxl setting
/// nr_vcpus and vcpu_online). hvmloader builds the MADT from it; a probe booted in hvmloader's place
/// (<c>firmware_override</c>) has no ACPI tables and reads its vCPUs here. Found only where the signature and the
/// checksum hold, so on other targets the RAM at 0x9F800 is never taken for it.
/// </summary>
public static unsafe class HvmInfoTable
{
    private const ulong Address = 0x9F800;
    private const uint NrVcpusOffset = 16;
    private const uint VcpuOnlineOffset = 32;
    private const uint MaxVcpus = 128; // HVM_MAX_VCPUS
    private const uint Length = VcpuOnlineOffset + MaxVcpus / 8;

    /// <summary>True when Xen's domain builder left the table here (a Xen HVM domain).</summary>
    public static bool Present
    {
        get
        {
            byte* table = (byte*)Address;
            string signature = "HVM INFO";
            for (int i = 0; i < signature.Length; i++)
            {
                if (table[i] != signature[i])
                {
                    return false;
                }
            }
            uint length = *(uint*)(table + 8);
            if (length < Length || length > 4096 - 0x800)
            {
                return false;
            }
            byte sum = 0;
            for (uint i = 0; i < length; i++)
            {
                sum += table[i];
            }
            return sum == 0;
        }
    }

    /// <summary>
    /// The APIC IDs of the vCPUs online at boot: Xen's vLAPIC gives vCPU n the APIC ID 2n (xen/arch/x86/hvm/vlapic.c
    /// vlapic_reset, hvmloader's LAPIC_ID), as hvmloader's MADT lists them. Returns how many; 0 without the table.
    /// </summary>
    public static int ApicIds(uint* ids, int max)
    {
        if (!Present)
        {
            return 0;
        }
        byte* table = (byte*)Address;
        uint vcpus = *(uint*)(table + NrVcpusOffset);
        int n = 0;
        for (uint vcpu = 0; vcpu < vcpus && vcpu < MaxVcpus && n < max; vcpu++)
        {
            if ((table[VcpuOnlineOffset + vcpu / 8] & (1 << (int)(vcpu % 8))) != 0)
            {
                ids[n++] = 2 * vcpu;
            }
        }
        return n;
    }
}
