using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.nmi-unblocked-by-fault-iret: inside its NMI handler, with one NMI latched, the vCPU takes a #UD, #GP or #PF
/// at CPL0 whose handler returns with IRET; that IRET ends NMI blocking, so the latched NMI nests in the NMI handler
/// at once (seed 004 item 1, the reentrancy a kernel must survive; a target that keeps NMIs blocked there is wrong too).
/// </summary>
[TestFixture]
public sealed class NmiUnblockedByFaultIret
{
    private const int Rounds = 3;

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: $"rounds={Rounds} window_us=20000", vcpus: 2);
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
        c.Oracle("SDM Vol. 3A 6.7.1: NMIs stay blocked until the next IRET, whichever handler executes it; a fault handler's " +
                 "IRET inside the NMI handler ends the blocking, and the one latched NMI is delivered then, nested");
        var trace = NmiTrace.Read(c, exit);
        if (trace.Count == 0)
        {
            return;
        }

        var finding = FaultIretUnblocks.Check(trace, Rounds);
        c.ReportAll(finding.Problems);
        foreach (var us in finding.NestedLatenciesUs)
        {
            c.Metric("fault_iret_nmi_latency_us", us, "us");
        }

        c.Finish(exit, $"{Rounds} rounds (#UD, #GP, #PF): the fault's IRET released the latched NMI, nested in the NMI handler");
    }
}
