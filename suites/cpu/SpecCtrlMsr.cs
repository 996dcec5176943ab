using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.spec-ctrl-msr: IA32_SPEC_CTRL (0x48) reads where CPUID announces it (7.0:EDX[26,27,31], 80000008H:EBX[14,15,24]) and raises #GP where not (SDM Vol. 4 Table 2-2).</summary>
[TestFixture]
public sealed class SpecCtrlMsr
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "spec-ctrl-msr");
}
