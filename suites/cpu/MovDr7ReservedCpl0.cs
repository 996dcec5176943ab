using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.mov-dr7-reserved-cpl0: MOV DR7 with bit 32 set raises #GP(0) (SDM Vol. 2B MOV debug registers).</summary>
[TestFixture]
public sealed class MovDr7ReservedCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "mov-dr7-reserved-cpl0");
}
