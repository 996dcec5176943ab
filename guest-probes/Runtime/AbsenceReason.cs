namespace Rig.Guest;

/// <summary>
/// The skip reasons by which a probe says an interface is absent from its target. This one file is compiled into the
/// guest runtime and into Rig.Core, where TargetInterfaces maps each reason to the interface rig.json's `offers` names:
/// a target that must offer the interface then fails instead of skipping, so a reason spelled differently on the two
/// sides would turn a failure into a silent skip.
/// </summary>
internal static class AbsenceReason
{
    /// <summary>CPUID 0x40000001 EAX lacks KVM_FEATURE_CLOCKSOURCE2 (KVM's Documentation/virt/kvm/x86/cpuid.rst).</summary>
    public const string NoKvmclock = "no-kvmclock";

    /// <summary>No "XenVMMXenVMM" signature in the hypervisor leaves 0x40000000..0x40010000 (xen/include/public/arch-x86/cpuid.h).</summary>
    public const string NoXenCpuidLeaves = "no-xen-cpuid-leaves";

    /// <summary>The hypercall page MSR (CPUID 0x40000x02 EBX) refused the write (xen/include/public/arch-x86/cpuid.h).</summary>
    public const string HypercallPageMsrRefused = "hypercall-page-msr-refused";

    /// <summary>XENMEM_add_to_physmap of shared_info failed (xen/include/public/memory.h).</summary>
    public const string AddToPhysmapRefused = "add-to-physmap-refused";

    /// <summary>CPUID 0x80000001 EDX[27] (RDTSCP) clear (SDM Vol. 2B, RDTSCP).</summary>
    public const string NoRdtscp = "rdtscp-absent";

    /// <summary>CPUID 1 ECX[21] (x2APIC) clear (SDM Vol. 3A 12.12.1).</summary>
    public const string NoX2Apic = "cpu-lacks-x2apic";

    /// <summary>CPUID 1 ECX[24] (TSC-deadline) clear (SDM Vol. 3A 12.5.4.1).</summary>
    public const string NoTscDeadline = "cpu-lacks-tsc-deadline";

    /// <summary>LAPIC version register bit 24 (EOI-broadcast suppression) clear: no directed EOI (SDM Vol. 3A 12.8.5).</summary>
    public const string NoEoiBroadcastSuppression = "lapic-lacks-eoi-broadcast-suppression";

    /// <summary>IOAPIC version below 20H: no EOI register, so no directed EOI (SDM Vol. 3A 12.8.5; the 82093AA is 11H).</summary>
    public const string NoIoApicEoiRegister = "ioapic-lacks-eoi-register";
}
