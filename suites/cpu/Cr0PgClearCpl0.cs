using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.cr0-pg-clear-cpl0: MOV CR0 clearing PG in 64-bit mode raises #GP(0) (SDM Vol. 2B MOV control registers).</summary>
[TestFixture]
public sealed class Cr0PgClearCpl0
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "cr0-pg-clear-cpl0");
}
