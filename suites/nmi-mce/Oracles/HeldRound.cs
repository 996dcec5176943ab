namespace Rig.Suites.NmiMce.Oracles;

/// <summary>One round of a held-NMI script: its events, the NMI delivery that opened the held handler, and that handler's IRET.</summary>
public sealed record HeldRound(int Round, List<TraceEvent> Events, int Entry, int Iret)
{
    /// <summary>What happened between the handler's entry and its IRET.</summary>
    public List<TraceEvent> Inside => [.. Events.Skip(Entry + 1).Take(Iret - Entry - 1)];

    /// <summary>Round <paramref name="round"/> of <paramref name="trace"/>; null, with the reason added to <paramref name="problems"/>, when it never opened or never closed.</summary>
    public static HeldRound? Find(IReadOnlyList<TraceEvent> trace, int round, List<string> problems)
    {
        var events = trace.Where(e => e.Round == round).ToList();
        int entry = events.FindIndex(e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.Nmi);
        if (entry < 0)
        {
            problems.Add($"round {round}: the NMI that opens the round (an NMI IPI from the other vCPU) was never delivered");
            return null;
        }

        int iret = events.FindIndex(entry, e => e.What == TraceWhat.Iret && e.Depth == events[entry].Depth);
        if (iret < 0)
        {
            problems.Add($"round {round}: the handler entered at {events[entry].Us} us never reached its IRET");
            return null;
        }

        return new HeldRound(round, events, entry, iret);
    }
}
