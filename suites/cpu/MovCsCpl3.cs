using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.mov-cs-cpl3: MOV from CS at CPL3 reads the guest's selector 0x23. Hand-found on kvm_pvm: the host's 0x33.</summary>
[TestFixture]
public sealed class MovCsCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "mov-cs-cpl3");
}
