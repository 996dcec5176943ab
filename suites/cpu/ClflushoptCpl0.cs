using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.clflushopt-cpl0: CLFLUSHOPT at CPL0 executes where CPUID.7.0:EBX[23] offers it, #UD otherwise (SDM Vol. 2A CLFLUSHOPT).</summary>
[TestFixture]
public sealed class ClflushoptCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "clflushopt-cpl0");
}
