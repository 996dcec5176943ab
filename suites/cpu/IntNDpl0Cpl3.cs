using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.int-n-dpl0-cpl3: INT n at CPL3 through a DPL0 gate raises #GP with error code vector * 8 + 2 at the INT (SDM Vol. 3A 6.12.1.1, 6.13).</summary>
[TestFixture]
public sealed class IntNDpl0Cpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "int-n-dpl0-cpl3");
}
