using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.rdtscp-cpl3: RDTSCP at CPL3 raises #UD when CPUID hides it (SDM Vol. 2B RDTSCP). Hand-found on kvm_pvm: it runs natively and returns the host's TSC_AUX (its CPU number).</summary>
[TestFixture]
public sealed class RdtscpCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "rdtscp-cpl3");
}
