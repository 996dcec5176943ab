using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// The CPUID a vCPU sees: KVM's supported leaves (which include the kvmclock leaves 0x40000000/0x40000001 as KVM
/// offers them), with each vCPU's APIC ID filled in and the LAPIC features our controllers implement advertised.
/// </summary>
public static class CpuidTable
{
    private const uint Leaf1ApicPresent = 1 << 9; // EDX
    private const uint Leaf1X2Apic = 1 << 21; // ECX
    private const uint Leaf1TscDeadline = 1 << 24; // ECX

    /// <param name="lapicFeaturesOnBspOnly">Seeded defect <c>lapic-cpuid-on-bsp-only</c>: the APs' tables lose x2APIC and TSC-deadline, even where KVM's supported leaves have them.</param>
    public static CpuidEntry[] ForVcpu(IReadOnlyList<CpuidEntry> supported, int apicId, bool lapicFeaturesOnBspOnly = false)
    {
        bool lapicFeatures = apicId == 0 || !lapicFeaturesOnBspOnly;
        var entries = supported.ToArray();
        for (int i = 0; i < entries.Length; i++)
        {
            ref var e = ref entries[i];
            switch (e.Function)
            {
                case 1:
                    // EBX[31:24] initial APIC ID (SDM Vol. 2A CPUID leaf 01H).
                    e.Ebx = (e.Ebx & 0x00FF_FFFF) | ((uint)apicId << 24);
                    if (lapicFeatures)
                    {
                        e.Ecx |= Leaf1X2Apic | Leaf1TscDeadline;
                        e.Edx |= Leaf1ApicPresent;
                    }
                    else
                    {
                        e.Ecx &= ~(Leaf1X2Apic | Leaf1TscDeadline);
                    }

                    break;
                case 0xB or 0x1F:
                    // EDX: the x2APIC ID of the current logical processor (leaves 0BH/1FH).
                    e.Edx = (uint)apicId;
                    break;
            }
        }

        return entries;
    }

    /// <summary>CPUID.1:EAX, the processor signature a RESET leaves in EDX.</summary>
    public static uint ProcessorSignature(IReadOnlyList<CpuidEntry> supported) =>
        supported.FirstOrDefault(e => e.Function == 1).Eax;
}
