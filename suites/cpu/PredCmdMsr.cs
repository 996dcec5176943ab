using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Cpu;

/// <summary>cpu.pred-cmd-msr: IA32_PRED_CMD (0x49) takes IBPB where CPUID announces it (7.0:EDX[26], 80000008H:EBX[12]) and raises #GP where not (SDM Vol. 4 Table 2-2).</summary>
[TestFixture]
public sealed class PredCmdMsr
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public Task Run(string target) => CpuCheckRun.RunAsync(target, "pred-cmd-msr");
}
