using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.vmcall-cpl0: VMCALL at CPL0: KVM's -KVM_ENOSYS for an unknown hypercall where CPUID.40000000H says KVMKVMKVM, Xen's -ENOSYS on an Intel CPU where it says XenVMMXenVMM, else #UD (SDM Vol. 2C VMCALL).</summary>
[TestFixture]
public sealed class VmcallCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "vmcall-cpl0");
}
