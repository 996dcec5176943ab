using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.rdpid-cpl3: RDPID at CPL3 raises #UD when CPUID hides it (SDM Vol. 2B RDPID).</summary>
[TestFixture]
public sealed class RdpidCpl3
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "rdpid-cpl3");
}
