using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.rdpid-cpl0: RDPID at CPL0 executes where CPUID.7.0:ECX[22] offers it, #UD otherwise (SDM Vol. 2B RDPID).</summary>
[TestFixture]
public sealed class RdpidCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "rdpid-cpl0");
}
