using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.clwb-cpl0: CLWB at CPL0 executes where CPUID.7.0:EBX[24] offers it, #UD otherwise (SDM Vol. 2A CLWB).</summary>
[TestFixture]
public sealed class ClwbCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "clwb-cpl0");
}
