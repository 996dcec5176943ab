using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.tsc-aux-msr: RDMSR IA32_TSC_AUX raises #GP when CPUID offers neither RDTSCP nor RDPID (SDM Vol. 4 Table 2-2): the host's TSC_AUX must not leak through the MSR either (seeded defect rdtscp-leaks-tsc-aux).</summary>
[TestFixture]
public sealed class TscAuxMsr
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "tsc-aux-msr");
}
