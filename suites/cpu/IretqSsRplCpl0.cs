using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.iretq-ss-rpl-cpl0: IRETQ at CPL0 to CPL3 with an SS whose RPL is 0 raises #GP(SS selector) (SDM Vol. 2A IRET).</summary>
[TestFixture]
public sealed class IretqSsRplCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "iretq-ss-rpl-cpl0");
}
