using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.invpcid-cpl0: INVPCID type 2 at CPL0 executes where CPUID.7.0:EBX[10] offers it, #UD otherwise (SDM Vol. 2B INVPCID).</summary>
[TestFixture]
public sealed class InvpcidCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "invpcid-cpl0");
}
