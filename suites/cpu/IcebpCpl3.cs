using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.icebp-cpl3: INT1 (ICEBP) at CPL3 delivers #DB as a trap without the gate DPL check INT n gets (SDM Vol. 3A 6.12.1.1).</summary>
[TestFixture]
public sealed class IcebpCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "icebp-cpl3");
}
