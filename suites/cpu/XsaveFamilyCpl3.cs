using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.xsave-family-cpl3: XGETBV, XSAVE and XSETBV at CPL3 with CR4.OSXSAVE = 0 raise #UD (SDM Vol. 2C XGETBV/XSAVE/XSETBV).</summary>
[TestFixture]
public sealed class XsaveFamilyCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "xsave-family-cpl3");
}
