using System.Globalization;
using Rig.Protocol;
using Rig.Suites.Evtchn.Records;

namespace Rig.Suites.Evtchn.Oracles;

/// <summary>
/// evtchn.hostile-tail-unmask (seed 003; FIFO design draft G). A guest making only the writes the ABI allows (set
/// MASKED; clear it with a compare-exchange that BUSY makes fail while the hypervisor links) loses nothing; a guest
/// rewriting its tail word may lose its own events, but then set_link gives up after its 3 retries, the send returns,
/// and another vCPU's events still arrive. Each sender's time is bounded because set_link is.
/// </summary>
public static class HostileRounds
{
    /// <summary>Draft G: set_link retries at most 3 times.</summary>
    public const long SetLinkRetries = 3;

    public static IReadOnlyList<string> Check(IReadOnlyList<Record> rounds, long mostSetLinkRetries, long lost)
    {
        var problems = new List<string>();
        if (mostSetLinkRetries > SetLinkRetries)
        {
            problems.Add($"set_link retried {mostSetLinkRetries} times in one link; draft G bounds it at {SetLinkRetries}");
        }

        int hostile = 0;
        foreach (var round in rounds)
        {
            bool allowed = round[TailRoundRecord.Writes] == TailRoundRecord.Allowed;
            hostile += allowed ? 0 : 1;
            if (round[TailRoundRecord.SendNs] == TailRoundRecord.StalledSendNs.ToString(CultureInfo.InvariantCulture))
            {
                problems.Add($"a host send did not return while the guest rewrote the tail (stalled sender): {round.Line}");
            }

            if (allowed && round.GetInt64(TailRoundRecord.NextHandled) != 1)
            {
                problems.Add($"with only allowed writes to the tail, the event linked behind it was lost: {round.Line}");
            }

            if (!allowed && round.GetInt64(TailRoundRecord.OwnHandled) != 1)
            {
                problems.Add($"the well-behaved vCPU 0 lost its event while vCPU 1 was hostile: {round.Line}");
            }
        }

        if (lost > hostile)
        {
            problems.Add($"the hypervisor gave up {lost} link(s), more than the {hostile} hostile round(s) explain");
        }

        return problems;
    }
}
