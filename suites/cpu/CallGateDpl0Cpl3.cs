using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.call-gate-dpl0-cpl3: CALL FAR at CPL3 through a DPL0 call gate raises #GP(gate selector) (SDM Vol. 2A CALL, Vol. 3A 5.8.4).</summary>
[TestFixture]
public sealed class CallGateDpl0Cpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "call-gate-dpl0-cpl3");
}
