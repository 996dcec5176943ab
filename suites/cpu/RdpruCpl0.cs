using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.rdpru-cpl0: RDPRU at CPL0 executes where CPUID.80000008H:EBX[4] offers it, #UD otherwise (AMD APM Vol. 3 RDPRU).</summary>
[TestFixture]
public sealed class RdpruCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "rdpru-cpl0");
}
