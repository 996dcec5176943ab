using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.iopl3-port-io: Port I/O at CPL3 with IOPL = 3 needs no I/O bitmap (SDM Vol. 1 19.5.1). Hand-found on kvm_pvm: #GP, while the TSS I/O bitmap is honoured (docs/notes/kvm-pvm-hypervisor.md 4.1).</summary>
[TestFixture]
public sealed class Iopl3PortIo
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "iopl3-port-io");
}
