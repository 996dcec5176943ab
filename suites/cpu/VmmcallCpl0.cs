using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.vmmcall-cpl0: VMMCALL at CPL0: KVM's -KVM_ENOSYS for an unknown hypercall where CPUID.40000000H says KVMKVMKVM, Xen's -ENOSYS on an AMD CPU where it says XenVMMXenVMM, else #UD (AMD APM Vol. 3 VMMCALL).</summary>
[TestFixture]
public sealed class VmmcallCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "vmmcall-cpl0");
}
