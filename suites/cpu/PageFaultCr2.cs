using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.page-fault-cr2: a CPL3 read and write of an unmapped address raise #PF with error code 0x4 / 0x6 and CR2 = the address (SDM Vol. 3A 4.7, 6.15).</summary>
[TestFixture]
public sealed class PageFaultCr2
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "page-fault-cr2");
}
