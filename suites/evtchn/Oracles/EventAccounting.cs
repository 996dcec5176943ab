namespace Rig.Suites.Evtchn.Oracles;

/// <summary>
/// evtchn.no-lost-events: every send either set PENDING on a word where it was clear, and the guest then handles that
/// event exactly once, or found PENDING already set and coalesced (FIFO design: "an event is pending until the guest
/// clears PENDING"). So once the guest has drained, the events it handled equal the hypervisor's sends minus its
/// coalesced sends: fewer is a lost event, more a duplicate. A correct hypervisor also counts no event it gave up on.
/// </summary>
public static class EventAccounting
{
    /// <summary>What the report says judges <c>events_lost</c>.</summary>
    public const string LostBound = "EventAccounting: 0 (every send handled once or coalesced; FIFO event channel design)";

    /// <summary>The events the guest never handled (the report's event-loss count); 0 when it handled all or more.</summary>
    public static long Lost(long handled, long sends, long coalesced) => Math.Max(0, sends - coalesced - handled);

    public static IReadOnlyList<string> Check(long handled, long sends, long coalesced, long lost)
    {
        var problems = new List<string>();
        long expected = sends - coalesced;
        if (Lost(handled, sends, coalesced) is > 0 and var missing)
        {
            problems.Add($"{missing} event(s) lost: the guest handled {handled}, the hypervisor raised {sends} of which {coalesced} coalesced");
        }
        else if (handled > expected)
        {
            problems.Add($"{handled - expected} event(s) duplicated: the guest handled {handled}, the hypervisor raised {sends} of which {coalesced} coalesced");
        }

        if (lost != 0)
        {
            problems.Add($"the hypervisor itself counted {lost} event(s) lost (set_link gave up) while the guest made only the writes the ABI allows");
        }

        return problems;
    }
}
