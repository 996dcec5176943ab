using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.cpuid-cpl3: CPUID at CPL3 reads what it reads at CPL0 (SDM Vol. 2A CPUID is not privileged); kvm_pvm on an AMD host lets CPL3 CPUID reach the host CPU.</summary>
[TestFixture]
public sealed class CpuidCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "cpuid-cpl3");
}
