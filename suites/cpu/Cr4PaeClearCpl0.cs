using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.cr4-pae-clear-cpl0: MOV CR4 clearing PAE in 64-bit mode raises #GP(0) (SDM Vol. 2B MOV control registers).</summary>
[TestFixture]
public sealed class Cr4PaeClearCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "cr4-pae-clear-cpl0");
}
