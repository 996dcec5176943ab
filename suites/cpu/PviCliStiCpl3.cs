using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.pvi-cli-sti-cpl3: CLI and STI at CPL3 with IOPL 0 and CR4.PVI = 1 toggle VIF without #GP and leave IF; STI with VIP = 1 raises #GP(0) (SDM Vol. 3A 20.4, Vol. 2A CLI, Vol. 2B STI; 64-bit mode included).</summary>
[TestFixture]
public sealed class PviCliStiCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "pvi-cli-sti-cpl3");
}
