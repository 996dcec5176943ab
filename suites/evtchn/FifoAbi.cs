using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Evtchn.Oracles;

namespace Rig.Suites.Evtchn;

/// <summary>evtchn.fifo-abi: the FIFO ABI's operations, priorities, masking, close, status and error codes, as the design and Xen's headers say.</summary>
[TestFixture]
public sealed class FifoAbi
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, hostActions: new EvtchnHostActions());
        var exit = await c.RunToExitAsync(EvtchnRecords.BootBound);
        c.Oracle("xen/include/public/event_channel.h and the FIFO event channel design: each operation's result, the " +
                 "priority order, masking, coalescing and the documented error codes (suites/evtchn/Oracles/FifoAbiRules.cs)");
        if (EvtchnRecords.SkippedWithoutXen(c))
        {
            c.Complete();
            return;
        }

        // Within one domain the ABI is the hypervisor's alone: a Xen without the rig's backend is judged on all of that.
        bool otherDomain = EvtchnRecords.PlaysOtherDomain(c);
        var rules = FifoAbiRules.For(otherDomain);
        if (!otherDomain)
        {
            c.Evidence($"note: not tested: {string.Join(", ", FifoAbiRules.Interdomain)}: {EvtchnRecords.NoOtherDomain(c)}");
        }

        c.ReportAll(FifoAbiRules.Check(c.Records, rules));
        c.Report(true, $"{rules.Count} ABI checks read");
        c.Finish(exit, otherDomain
            ? "every FIFO ABI check as the design says"
            : $"every FIFO ABI check within the domain as the design says ({FifoAbiRules.Interdomain.Count} interdomain ones need the rig's backend)");
    }
}
