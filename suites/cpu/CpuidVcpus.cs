using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.cpuid-vcpus: CPUID read at CPL0 on each of two vCPUs is the same, the APIC-ID and CR4-mirror fields aside (SDM Vol. 2A CPUID).</summary>
[TestFixture]
public sealed class CpuidVcpus
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "cpuid-vcpus", vcpus: 2);
}
