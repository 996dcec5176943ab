using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.nmi-return-to-user: an NMI taken at CPL3 and returned from with IRET to CPL3 ends NMI blocking, so the next
/// NMI is delivered. Catches a hypervisor that leaves NMIs latched on the way back to user mode (seed 004 item 9).
/// </summary>
[TestFixture]
public sealed class NmiReturnToUser
{
    private const int Rounds = 3;

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: $"rounds={Rounds} settle_us=2000 window_us=1000000", vcpus: 2);
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
        c.Oracle("SDM Vol. 3A 6.7.1: the next IRET ends NMI blocking, also one that returns to CPL3; the next NMI is delivered");
        var trace = NmiTrace.Read(c, exit);
        if (trace.Count == 0)
        {
            return;
        }

        c.ReportAll(NmiReturnToUserRules.Check(trace, Rounds));

        c.Finish(exit, $"{Rounds} rounds: the NMI after an IRET to CPL3 was delivered");
    }
}
