using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.descriptor-tables-cpl3: SGDT, SIDT, STR, SLDT and SMSW at CPL3 (CR4.UMIP = 0) read what CPL0 reads: no host state visible (SDM Vol. 2B SGDT/SIDT/STR/SLDT/SMSW).</summary>
[TestFixture]
public sealed class DescriptorTablesCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "descriptor-tables-cpl3");
}
