using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.fake-nmi: INT 2 through a DPL3 gate runs the NMI handler without blocking NMIs, so a real NMI arriving
/// inside it is delivered at once, nested on the same IST stack (seed 004 item 3). A target that drops INT n at CPL3
/// (kvm_pvm) fails with that evidence.
/// </summary>
[TestFixture]
public sealed class FakeNmi
{
    private const int Rounds = 3;

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: $"rounds={Rounds} window_us=20000", vcpus: 2);
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
        c.Oracle("SDM Vol. 3A 6.3.3: INT 2 calls the NMI handler but does not activate the processor's NMI-handling hardware, " +
                 "so NMIs are not blocked inside it and a real NMI is delivered at once");
        var trace = NmiTrace.Read(c, exit);
        if (trace.Count == 0)
        {
            return;
        }

        if (NmiTrace.SkipWhereTheReferenceHostRefusesIntN(c, trace))
        {
            return;
        }

        c.ReportAll(FakeEvents.Check(trace, Rounds, TraceEvent.Nmi));
        c.Finish(exit, $"{Rounds} rounds: a real NMI nested at once in the handler INT 2 entered");
    }
}
