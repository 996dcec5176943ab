using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.iopl3-cli-sti: CLI and STI at CPL3 with IOPL = 3 change IF without an exception (SDM Vol. 2A CLI, Vol. 2B STI).</summary>
[TestFixture]
public sealed class Iopl3CliSti
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "iopl3-cli-sti");
}
