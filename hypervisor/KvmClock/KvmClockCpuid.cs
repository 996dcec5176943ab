using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.KvmClock;

/// <summary>
/// KVM's feature leaf 0x40000001 (Linux Documentation/virt/kvm/x86/cpuid.rst) as rig-hv fills it when it publishes
/// kvmclock itself: KVM_GET_SUPPORTED_CPUID offers what the in-kernel KVM implements (async page faults, steal time,
/// PV EOI, PV IPIs, ...), which with our own interrupt controllers and MSR routing would be promises nobody keeps.
/// Only the kvmclock features remain.
/// </summary>
public static class KvmClockCpuid
{
    public const uint FeaturesLeaf = 0x4000_0001;

    /// <summary>KVM_FEATURE_CLOCKSOURCE: MSRs 0x11/0x12.</summary>
    public const uint Clocksource = 1u << 0;

    /// <summary>KVM_FEATURE_CLOCKSOURCE2: MSRs 0x4b564d00/0x4b564d01.</summary>
    public const uint Clocksource2 = 1u << 3;

    /// <summary>KVM_FEATURE_CLOCKSOURCE_STABLE_BIT: the guest may trust PVCLOCK_TSC_STABLE_BIT in the records.</summary>
    public const uint ClocksourceStableBit = 1u << 24;

    /// <summary>Rewrites leaf 0x40000001 in <paramref name="entries"/> (if KVM offers it) to the kvmclock features alone.</summary>
    public static void Advertise(Span<CpuidEntry> entries)
    {
        foreach (ref var e in entries)
        {
            if (e.Function == FeaturesLeaf)
            {
                e.Eax = Clocksource | Clocksource2 | ClocksourceStableBit;
                e.Ebx = 0;
                e.Ecx = 0;
                e.Edx = 0; // no KVM_HINTS_REALTIME: vCPUs here share host CPUs
            }
        }
    }
}
