using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.into-long-mode: INTO is invalid in 64-bit mode: #UD at the instruction (SDM Vol. 2A INT n/INTO/INT3/INT1).</summary>
[TestFixture]
public sealed class IntoLongMode
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "into-long-mode");
}
