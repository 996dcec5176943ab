using System.Globalization;
using Rig.Protocol;
using Rig.Suites.NmiMce.Records;

namespace Rig.Suites.NmiMce.Oracles;

/// <summary>
/// An NMI storm against a vCPU that keeps working (seed 004 item 8: a VMM that livelocks a CPU under NMIs), judged
/// only by what SDM Vol. 3A 6.7.1 "Handling Multiple NMIs" guarantees, whatever the host's speed: NMIs are blocked
/// from the handler's entry to its IRET, so none is delivered inside it; while blocked the processor holds at most one
/// NMI pending, so NMIs sent back to back may collapse into one. Hence an NMI sent when nothing is pending (a ping,
/// the first of a burst) is delivered; a burst delivers at least one and never more than it sent; a handler held while
/// NMIs arrive is followed by exactly one; and vCPU 0 keeps making progress at CPL3 through it all.
/// </summary>
public static class StormAccounting
{
    public static IReadOnlyList<string> Check(Record storm, Record progress)
    {
        var problems = new List<string>();
        if (storm.GetInt64(StormRecord.Stalls) > 0)
        {
            problems.Add($"vCPU 0 made no progress at CPL3 for 10 s during the storm, after {storm[StormRecord.Sent]} NMIs: livelocked in NMI delivery");
        }

        if (storm.GetInt64(StormRecord.Nested) is var nested and > 0)
        {
            problems.Add($"{nested} NMIs were delivered while vCPU 0 was still inside its NMI handler, before its IRET");
        }

        if (storm.GetInt64(StormRecord.LostPings) is var lost and > 0)
        {
            problems.Add($"{lost} NMIs sent to vCPU 0 with no NMI pending were never delivered, though it ran on at CPL3");
        }

        if (storm.GetInt64(StormRecord.EmptyBursts) is var empty and > 0)
        {
            problems.Add($"{empty} of {storm[StormRecord.Bursts]} bursts of NMIs delivered none: the NMI the CPU latches was lost");
        }

        if (storm.GetInt64(StormRecord.OverBursts) is var over and > 0)
        {
            problems.Add($"{over} bursts delivered more NMIs than were sent");
        }

        if (storm.GetInt64(StormRecord.BadHolds) is var bad and > 0)
        {
            problems.Add($"{bad} of {storm[StormRecord.Holds]} long-held handlers were followed by {storm[StormRecord.FirstBadAfter]} NMIs (the first such), " +
                         "not exactly the one latched");
        }

        if (storm.GetInt64(StormRecord.Holds) == 0 && storm.GetInt64(StormRecord.Stalls) == 0)
        {
            problems.Add($"no long-held handler round was conclusive ({storm[StormRecord.HoldsInconclusive]} ended before all was sent), so latching under the storm was not tested");
        }

        if (storm.GetInt64(StormRecord.HostRefused) is var refused and > 0)
        {
            problems.Add($"the host refused {refused} of {storm[StormRecord.HostNmis]} NMI injections during the storm");
        }

        if (storm.GetInt64(StormRecord.HostUnanswered) is var unanswered and > 0)
        {
            problems.Add($"the host did not answer {unanswered} of {storm[StormRecord.HostNmis]} NMI injections within 30 s during the storm: it stopped responding");
        }

        if (progress.GetInt64(StormProgressRecord.Iterations) == 0)
        {
            problems.Add("vCPU 0 made no progress at CPL3 during the storm: livelocked in NMI delivery");
        }

        return problems;
    }

    /// <summary>Every ping's latency (µs), send to logged arrival, in the order the probe printed them.</summary>
    public static IReadOnlyList<double> LatenciesUs(IEnumerable<Record> records) =>
        [.. records.Where(r => r.Kind == StormLatencyRecord.Kind).OrderBy(r => r.GetInt64(StormLatencyRecord.From))
            .SelectMany(r => (r[StormLatencyRecord.Ns] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Select(ns => long.Parse(ns, CultureInfo.InvariantCulture) / 1000.0)];
}
