using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.sysenter-sysexit: SYSENTER from CPL3 to IA32_SYSENTER_EIP and a 64-bit SYSEXIT back (SDM Vol. 2B SYSENTER, SYSEXIT; Vol. 3A 5.8.7): the entry at CPL0 on IA32_SYSENTER_ESP with CS/SS from IA32_SYSENTER_CS and IF cleared, the return at CPL3 to RDX with RSP = RCX; #UD where CPUID hides SEP or the vendor is not Intel.</summary>
[TestFixture]
public sealed class SysenterSysexit
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "sysenter-sysexit");
}
