using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.iretq-cs-rpl-cpl3: IRETQ at CPL3 to a CS with RPL 0 raises #GP(selector) (SDM Vol. 2A IRET).</summary>
[TestFixture]
public sealed class IretqCsRplCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "iretq-cs-rpl-cpl3");
}
