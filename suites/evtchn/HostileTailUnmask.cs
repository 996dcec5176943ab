using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Evtchn.Oracles;
using Rig.Suites.Evtchn.Records;

namespace Rig.Suites.Evtchn;

/// <summary>
/// evtchn.hostile-tail-unmask (seed 003): vCPU 1 rewrites its queue's tail word while the host links behind it, with
/// only allowed writes and then hostile ones. Kills tail-unmask-allowed (allowed writes lose an event) and
/// unbounded-set-link (the sender spins as long as the guest rewrites; the watchdog and the case's bound end the VM).
/// </summary>
[TestFixture]
public sealed class HostileTailUnmask
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int rounds = Profile.Pick(normal: 3, lab: 7);
        var backend = new EvtchnHostActions();
        await using var c = await RigCase.BootAsync(target, append: $"rounds={rounds}",
            vcpus: 2, hostActions: backend);
        var exit = await c.RunToExitAsync(EvtchnRecords.BootBound);
        c.Oracle("FIFO event channel design draft G (seed 003): set_link gives up after 3 retries, so every sender returns " +
                 "in bounded time whatever a guest writes; while Xen links to a tail the word is BUSY, so a guest's allowed " +
                 "clear of MASKED cannot race the link and no event is lost; a hostile vCPU loses only its own events");
        if (EvtchnRecords.SkippedWithoutXenBackend(c))
        {
            c.Complete();
            return;
        }

        EvtchnRecords.SkipIfRaceUnforced(c);
        var roundRecords = c.Records.Where(r => r.Kind == TailRoundRecord.Kind).ToList();
        foreach (var round in roundRecords)
        {
            c.Evidence("observed: " + round.Line);
        }

        if (EvtchnRecords.Stats(c, backend) is { } stats)
        {
            c.ReportAll(HostileRounds.Check(roundRecords, stats["most-set-link-retries"], stats["lost"]));
        }

        c.Report(roundRecords.Count == 2 * rounds, $"{2 * rounds} rounds played ({roundRecords.Count})");
        c.Finish(exit, "set_link bounded, allowed writes lose nothing, the well-behaved vCPU keeps its events");
    }
}
