using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.fake-mce: INT 18 through a DPL3 gate runs the #MC handler without a machine check, so MCG_STATUS.MCIP stays
/// clear and a real #MC the host injects inside it is delivered nested, not a shutdown (seed 004 item 4). A target
/// that drops INT n at CPL3 (kvm_pvm) fails with that evidence; one that cannot inject #MC is a skip.
/// </summary>
[TestFixture]
public sealed class FakeMce
{
    private const int Rounds = 3;

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: $"rounds={Rounds} window_us=20000", vcpus: 2);
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
        c.Oracle("SDM Vol. 3A 6.4.2 and Vol. 3B 16.3.1.2: INT 18 calls the #MC handler without generating a machine check, " +
                 "so MCIP stays clear and a real #MC inside that handler is delivered, nested");
        var trace = NmiTrace.Read(c, exit);
        if (trace.Count == 0)
        {
            return;
        }

        if (!trace.Any(e => e.What == TraceWhat.Request && e.Value == 0) && NmiTrace.RefusedInjection(trace) is { } refused)
        {
            c.Skip($"the target cannot inject a machine check on request: {refused}");
            c.Complete();
            return;
        }

        if (NmiTrace.SkipWhereTheReferenceHostRefusesIntN(c, trace))
        {
            return;
        }

        c.ReportAll(FakeEvents.Check(trace, Rounds, TraceEvent.MachineCheck));
        c.Finish(exit, $"{Rounds} rounds: a real #MC nested in the handler INT 18 entered");
    }
}
