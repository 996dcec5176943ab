using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.mov-dr0-cpl0: MOV to and from DR0 at CPL0 round-trips a linear address (SDM Vol. 2B MOV debug registers, Vol. 3A 18.2.1).</summary>
[TestFixture]
public sealed class MovDr0Cpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "mov-dr0-cpl0");
}
