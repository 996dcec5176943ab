using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.icebp-cpl0: INT1 (ICEBP) at CPL0 raises #DB as a trap (SDM Vol. 3A 6.12.1.1). Hand-found on kvm_pvm: the VM stops with a KVM internal error.</summary>
[TestFixture]
public sealed class IcebpCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "icebp-cpl0");
}
