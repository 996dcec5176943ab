using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.sysenter-cpl3: SYSENTER at CPL3 with IA32_SYSENTER_CS = 0 raises #GP(0) where CPUID offers SEP on an Intel vendor, #UD otherwise (SDM Vol. 2B SYSENTER).</summary>
[TestFixture]
public sealed class SysenterCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "sysenter-cpl3");
}
