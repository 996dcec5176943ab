using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Evtchn.Oracles;

namespace Rig.Suites.Evtchn;

/// <summary>
/// evtchn.no-lost-events: a host backend burst and IPIs between vCPUs, then EVTCHNOP_unmask of a tail forced into the
/// hypervisor's set_link (seed 003): every event the hypervisor raised reaches the guest exactly as often as the ABI
/// allows. Kills unmask-without-queue-lock.
/// </summary>
[TestFixture]
public sealed class NoLostEvents
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        // 10^6 host sends took 6.9 s here (2 loaded cores, the consumer vCPU contending for the words); the lab sends 10^7.
        long burst = Profile.Pick(normal: 200_000, lab: 10_000_000);
        int ms = Profile.Pick(normal: 1_000, lab: 10_000);
        var backend = new EvtchnHostActions();
        await using var c = await RigCase.BootAsync(target, append: $"n={burst} ms={ms}", vcpus: 2,
            hostActions: backend);
        var exit = await c.RunToExitAsync(EvtchnRecords.BootBound + TimeSpan.FromMilliseconds(ms));
        c.Oracle("FIFO event channel design: a send sets PENDING or coalesces with a PENDING already set; each PENDING the " +
                 "guest finds unmasked on its queue is handled once; draft G: EVTCHNOP_unmask of a tail takes the queue " +
                 "lock, so a guest that only masks and unmasks by hypercall never makes set_link give up");
        c.JudgeProbeVerdicts();
        if (!EvtchnRecords.SkippedWithoutXen(c))
        {
            var counts = c.Records.Where(r => r.Kind == "evcount").ToList();
            foreach (var count in counts)
            {
                c.Evidence("observed: " + count.Line);
            }

            if (EvtchnRecords.Stats(c, backend) is { } stats)
            {
                long handled = counts.Sum(r => r.GetInt64("handled"));
                c.ReportAll(EventAccounting.Check(handled, stats["sends"], stats["coalesced"], stats["lost"]));
            }

            c.Report(counts.Count == 4, $"the probe counted its four ports ({counts.Count})");
            if (counts.FirstOrDefault(r => r["role"] == "host") is { } host && host.GetInt64("host_ns") > 0)
            {
                c.Metric("host_events_per_s", burst * 1e9 / host.GetInt64("host_ns"), "events/s");
            }

            EvtchnRecords.JudgeExit(c, exit);
        }

        c.Complete("every send handled exactly as often as the ABI allows, the forced unmask-during-link included");
    }
}
