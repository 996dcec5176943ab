using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.gate-conforming-cpl3: a self-IPI taken at CPL3 through a gate to a conforming DPL0 code segment runs its handler at CPL3 (SDM Vol. 2A INT n, Vol. 3A 5.8.1.2).</summary>
[TestFixture]
public sealed class GateConformingCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "gate-conforming-cpl3");
}
