using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.int3-cpl3: INT3 at CPL3 through the DPL3 #BP gate is a trap: the handler runs and the saved RIP is after the INT3 (SDM Vol. 3A 6.5).</summary>
[TestFixture]
public sealed class Int3Cpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "int3-cpl3");
}
