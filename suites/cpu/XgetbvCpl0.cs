using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.xgetbv-cpl0: XGETBV at CPL0 reads XCR0 (x87 bit set) once CR4.OSXSAVE is set where CPUID offers XSAVE, #UD otherwise (SDM Vol. 2C XGETBV).</summary>
[TestFixture]
public sealed class XgetbvCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "xgetbv-cpl0");
}
