using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.gate-dpl3-code-cpl3: a self-IPI taken at CPL3 through a gate to the DPL3 code segment runs its handler at CPL3 on the interrupted stack (SDM Vol. 2A INT n, Vol. 3A 6.12.1). Hand-found on kvm_pvm: it runs at CPL0 on the TSS.RSP0 stack.</summary>
[TestFixture]
public sealed class GateDpl3CodeCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "gate-dpl3-code-cpl3");
}
