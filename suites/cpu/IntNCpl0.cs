using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.int-n-cpl0: INT n at CPL0 through a DPL0 gate runs the handler (SDM Vol. 3A 6.12.1.1). Hand-found on kvm_pvm: the VM stops with a KVM internal error.</summary>
[TestFixture]
public sealed class IntNCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "int-n-cpl0");
}
