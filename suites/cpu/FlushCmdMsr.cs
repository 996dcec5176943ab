using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.flush-cmd-msr: IA32_FLUSH_CMD (0x10B) takes L1D_FLUSH where CPUID.7.0:EDX[28] announces it and raises #GP where not (SDM Vol. 4 Table 2-2).</summary>
[TestFixture]
public sealed class FlushCmdMsr
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "flush-cmd-msr");
}
