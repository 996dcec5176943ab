using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.gate-dpl3-code-cpl0: a self-IPI taken at CPL0 through a gate to the DPL3 code segment raises #GP(0x21), selector with EXT (SDM Vol. 2A INT n, Vol. 3A 6.13).</summary>
[TestFixture]
public sealed class GateDpl3CodeCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "gate-dpl3-code-cpl0");
}
