using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Tests;

/// <summary>
/// Each vCPU's CPUID table differs from the others only in the APIC-ID fields (SDM Vol. 2A CPUID); the seeded defect
/// lapic-cpuid-on-bsp-only leaves the LAPIC features out of the APs' tables.
/// </summary>
public class CpuidTableTests
{
    private const uint X2Apic = 1 << 21;

    // KVM's supported leaf 1 already offers x2APIC (as on the development host), so the defect must take it away, not just not add it.
    private static CpuidEntry[] Supported() => [new() { Function = 1, Ebx = 0x0008_0800, Ecx = X2Apic }, new() { Function = 0xB, Edx = 0 }];

    [Fact]
    public void EveryVcpuGetsTheSameLeavesButItsOwnApicId()
    {
        var bsp = CpuidTable.ForVcpu(Supported(), 0);
        var ap = CpuidTable.ForVcpu(Supported(), 1);
        Assert.Equal(bsp[0].Ecx, ap[0].Ecx);
        Assert.NotEqual(0u, ap[0].Ecx & X2Apic);
        Assert.Equal(1u, ap[0].Ebx >> 24);
        Assert.Equal(1u, ap[1].Edx);
        Assert.Equal(bsp[0].Ebx & 0x00FF_FFFF, ap[0].Ebx & 0x00FF_FFFF);
    }

    [Fact]
    public void TheSeededDefectLeavesTheLapicFeaturesOutOfTheAps()
    {
        Assert.NotEqual(0u, CpuidTable.ForVcpu(Supported(), 0, lapicFeaturesOnBspOnly: true)[0].Ecx & X2Apic);
        Assert.Equal(0u, CpuidTable.ForVcpu(Supported(), 1, lapicFeaturesOnBspOnly: true)[0].Ecx & X2Apic);
    }
}
