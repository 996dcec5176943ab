using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.xsetbv-clear-x87-cpl0: XSETBV of XCR0 = 0 at CPL0 raises #GP(0), or #UD where XSAVE is hidden (SDM Vol. 2C XSETBV).</summary>
[TestFixture]
public sealed class XsetbvClearX87Cpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "xsetbv-clear-x87-cpl0");
}
