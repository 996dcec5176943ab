using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.tsc-write-msr: a WRMSR of IA32_TIME_STAMP_COUNTER moves RDTSC, and IA32_TSC_ADJUST (where offered) by as much (SDM Vol. 3B 18.17.3).</summary>
[TestFixture]
public sealed class TscWriteMsr
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "tsc-write-msr");
}
