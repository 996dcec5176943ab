using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.umip-cpl3: with CR4.UMIP set where CPUID.7.0:ECX[2] offers it, SGDT/SIDT/SLDT/STR/SMSW at CPL3 raise #GP(0) (SDM Vol. 3A 2.5, Vol. 2B SGDT ...); where hidden, setting it raises #GP(0).</summary>
[TestFixture]
public sealed class UmipCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "umip-cpl3");
}
