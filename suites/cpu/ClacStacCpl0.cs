using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.clac-stac-cpl0: CLAC and STAC at CPL0 execute where CPUID.7.0:EBX[20] (SMAP) offers them, #UD otherwise (SDM Vol. 2A CLAC, 2B STAC).</summary>
[TestFixture]
public sealed class ClacStacCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "clac-stac-cpl0");
}
