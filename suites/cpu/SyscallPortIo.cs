using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.syscall-port-io: OUT at CPL0 in the code SYSCALL entered is allowed (SDM Vol. 1 19.5.1). Hand-found on kvm_pvm: #GP with a CPL3 CS in the frame (docs/notes/probes.md).</summary>
[TestFixture]
public sealed class SyscallPortIo
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "syscall-port-io");
}
