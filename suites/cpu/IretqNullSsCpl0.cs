using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.iretq-null-ss-cpl0: IRETQ at CPL0 to CPL3 with a null SS raises #GP(0) (SDM Vol. 2A IRET, IA-32e mode).</summary>
[TestFixture]
public sealed class IretqNullSsCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "iretq-null-ss-cpl0");
}
