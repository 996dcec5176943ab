using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.tsc-adjust-msr: IA32_TSC_ADJUST exists iff CPUID.7.0:EBX[1], and a write of it moves RDTSC by as much (SDM Vol. 3B 18.17.3).</summary>
[TestFixture]
public sealed class TscAdjustMsr
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "tsc-adjust-msr");
}
