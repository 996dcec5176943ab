using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.mov-cr4-reserved-cpl0: MOV CR4 with reserved bit 63 set raises #GP(0) (SDM Vol. 2B MOV control registers).</summary>
[TestFixture]
public sealed class MovCr4ReservedCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "mov-cr4-reserved-cpl0");
}
