using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.call-gate-cpl3: CALL FAR at CPL3 through a DPL3 64-bit call gate runs the DPL0 target at CPL0 on TSS.RSP0 and RET FAR returns (SDM Vol. 3A 5.8.4-5.8.6).</summary>
[TestFixture]
public sealed class CallGateCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "call-gate-cpl3");
}
