using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.sysretq: SYSRETQ at CPL0 after SYSCALL returns to CPL3 (SDM Vol. 2B SYSRET). Hand-found on kvm_pvm: #GP.</summary>
[TestFixture]
public sealed class Sysretq
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "sysretq");
}
