using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.movbe-cpl0: MOVBE at CPL0 executes where CPUID.01H:ECX[22] offers it and raises #UD where it does not (SDM Vol. 2B MOVBE); never stops the VM.</summary>
[TestFixture]
public sealed class MovbeCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "movbe-cpl0");
}
