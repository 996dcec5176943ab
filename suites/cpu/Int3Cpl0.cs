using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.int3-cpl0: INT3 at CPL0 runs the #BP handler (SDM Vol. 3A 6.12.1.1). Hand-found on kvm_pvm: a KVM internal error (emulation failure) stops the VM.</summary>
[TestFixture]
public sealed class Int3Cpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "int3-cpl0");
}
