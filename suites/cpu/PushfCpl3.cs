using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.pushf-cpl3: PUSHF at CPL3 shows the guest's RFLAGS (IOPL 3, IF 1 as IRETQ loaded them). Hand-found on kvm_pvm: the host's value.</summary>
[TestFixture]
public sealed class PushfCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "pushf-cpl3");
}
