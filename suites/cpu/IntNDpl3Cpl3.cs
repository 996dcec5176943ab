using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.int-n-dpl3-cpl3: INT 0x80 at CPL3 through a DPL3 interrupt gate calls the handler as a trap (SDM Vol. 3A 6.12.1.1, 6.5). Hand-found on kvm_pvm: silently dropped (shared/notes/pvm-cpl3.md item 3a).</summary>
[TestFixture]
public sealed class IntNDpl3Cpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "int-n-dpl3-cpl3");
}
