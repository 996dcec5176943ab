using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.rdtscp-cpl0: RDTSCP at CPL0 raises #UD when CPUID hides it (SDM Vol. 2B RDTSCP). Hand-found on kvm_pvm: the VM stops with a KVM internal error.</summary>
[TestFixture]
public sealed class RdtscpCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "rdtscp-cpl0");
}
