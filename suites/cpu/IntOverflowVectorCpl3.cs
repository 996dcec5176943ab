using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.int-overflow-vector-cpl3: INT 4 (the #OF vector) at CPL3 through its DPL3 gate calls the handler as a trap (SDM Vol. 3A 6.12.1.1, 6.5); an exception vector, unlike the system-call vector of int-n-dpl3-cpl3.</summary>
[TestFixture]
public sealed class IntOverflowVectorCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "int-overflow-vector-cpl3");
}
