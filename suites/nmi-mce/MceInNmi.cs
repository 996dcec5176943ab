using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.mce-in-nmi: the host injects a #MC (HMP `mce`) while vCPU 0 is held in its NMI handler with one NMI
/// latched: the #MC arrives nested, and its handler's IRET ends NMI blocking, so the latched NMI nests too (seed 004
/// item 2, the reentrancy an OS must survive).
/// </summary>
[TestFixture]
public sealed class MceInNmi
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: "window_us=50000", vcpus: 2);
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
        c.Oracle("SDM Vol. 3A 6.7.1 and 6.14.5: #MC is not held by NMI blocking and runs on its own IST stack; its IRET ends NMI " +
                 "blocking, so an NMI latched meanwhile is delivered nested in the NMI handler");
        var trace = NmiTrace.Read(c, exit);
        if (trace.Count == 0)
        {
            return;
        }

        if (NmiTrace.RefusedInjection(trace) is { } refused)
        {
            c.Skip($"the target cannot inject a machine check on request: {refused}");
            c.Complete();
            return;
        }

        c.ReportAll(MceInNmiRules.Check(trace));

        c.Finish(exit, "#MC nested in the NMI handler, and its IRET released the latched NMI");
    }
}
