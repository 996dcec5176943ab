using System.Globalization;
using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Evtchn.Oracles;
using Rig.Suites.Evtchn.Records;

namespace Rig.Suites.Evtchn;

/// <summary>
/// evtchn.no-lost-events: events from the host backend, from a VIRQ the hypervisor raises and from IPIs between vCPUs,
/// then EVTCHNOP_unmask of a tail forced into the hypervisor's set_link (seed 003): every event the hypervisor raised
/// reaches the guest exactly as often as the ABI allows. Kills unmask-without-queue-lock.
/// </summary>
[TestFixture]
[QuietHost("it measures event delivery between its two vCPUs, which a --jobs 2 slot of one host CPU for both stretches to a scheduler tick (send to upcall 4.0 ms beside a neighbour against 0.22 ms alone on the reference, s11)")]
public sealed class NoLostEvents
{
    /// <summary>
    /// Issue 15 asks for 10^6 events (10^7 in the lab): half from the host backend, half from the VIRQ, plus the IPIs.
    /// Measured here (2 cores, load average 35-68): 150 k host sends/s, so the default case's bursts take about 7 s.
    /// </summary>
    private static long Events => Profile.Pick(normal: 1_000_000, lab: 10_000_000);

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int ms = Profile.Pick(normal: 1_000, lab: 10_000);

        // The probe allows each burst 100 µs per event before it stops waiting for the host (probes/Shared/Backend.cs).
        var bound = EvtchnRecords.BootBound + TimeSpan.FromMilliseconds(ms) + (Events * TimeSpan.FromMicroseconds(100));
        var backend = new EvtchnHostActions();
        await using var c = await RigCase.BootAsync(target, append: $"host={Events / 2} virq={Events / 2} ms={ms}", vcpus: 2, hostActions: backend, watchdog: bound);
        var exit = await c.RunToExitAsync(bound);
        c.Oracle("FIFO event channel design: a send sets PENDING or coalesces with a PENDING already set; each PENDING the " +
                 "guest finds unmasked on its queue is handled once; draft G: EVTCHNOP_unmask of a tail takes the queue " +
                 "lock, so a guest that only masks and unmasks by hypercall never makes set_link give up");
        if (EvtchnRecords.SkippedWithoutXenBackend(c))
        {
            c.Complete();
            return;
        }

        EvtchnRecords.SkipIfRaceUnforced(c);
        var counts = c.Records.Where(r => r.Kind == EventCountRecord.Kind).ToList();
        foreach (var count in counts)
        {
            c.Evidence("observed: " + count.Line);
        }

        if (EvtchnRecords.Stats(c, backend) is { } stats)
        {
            long handled = counts.Sum(r => r.GetInt64(EventCountRecord.Handled));
            c.Metric("events_lost", EventAccounting.Lost(handled, stats["sends"], stats["coalesced"]), "events", EventAccounting.LostBound);
            c.ReportAll(EventAccounting.Check(handled, stats["sends"], stats["coalesced"], stats["lost"]));
        }

        c.Report(counts.Count == 5, $"the probe counted its five ports ({counts.Count})");
        foreach (var burst in counts.Where(r => r[EventCountRecord.Role] is EventCountRecord.HostRole or EventCountRecord.VirqRole))
        {
            // host_ns is the probe's all-ones Stalled when it stopped waiting for the burst: no rate, a failed check.
            if (c.Report(ulong.TryParse(burst[EventCountRecord.HostNs], NumberStyles.None, CultureInfo.InvariantCulture, out ulong ns) && ns is > 0 and < long.MaxValue, $"the host's {burst[EventCountRecord.Role]} burst was acknowledged ({burst[EventCountRecord.HostNs]} ns)"))
            {
                c.Metric($"{burst[EventCountRecord.Role]}_events_per_s", Events / 2 * 1e9 / ns, "events/s");
            }
        }

        if (counts.FirstOrDefault(r => r[EventCountRecord.Role] == EventCountRecord.IpiRole) is { } ipi)
        {
            c.Metric("ipi_events_per_s", ipi.GetInt64(EventCountRecord.Sent) * 1000.0 / ms, "events/s");
        }

        c.Finish(exit, $"{Events} host and VIRQ events and the IPIs each handled exactly as often as the ABI allows, the forced unmask-during-link included");
    }
}
