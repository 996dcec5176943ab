namespace Rig.Suites.NmiMce.Oracles;

/// <summary>
/// A machine check is not held by NMI blocking: #MC arrives inside the NMI handler, on its own IST stack (SDM Vol. 3A
/// 6.14.5). Its handler's IRET ends NMI blocking (6.7.1: the next IRET, whichever handler executes it), so an NMI
/// latched while the NMI handler ran is delivered right then, nested in the NMI handler: the reentrancy seed 004
/// item 2 warns of. A target that keeps NMIs blocked across that IRET is as wrong as one that delivers the NMI early.
/// </summary>
public static class MceInNmiRules
{
    public static IReadOnlyList<string> Check(IReadOnlyList<TraceEvent> trace)
    {
        var problems = new List<string>();
        int nmi = FindIndex(trace, 0, e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.Nmi && e.Depth == 1);
        if (nmi < 0)
        {
            return ["the NMI that opens the handler was never delivered"];
        }

        int end = FindIndex(trace, nmi, e => e.What == TraceWhat.Iret && e.Vector == TraceEvent.Nmi && e.Depth == 1);
        var inside = trace.Skip(nmi + 1).Take((end < 0 ? trace.Count : end) - nmi - 1).ToList();
        int mc = inside.FindIndex(e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.MachineCheck);
        int nested = inside.FindIndex(e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.Nmi);
        if (mc < 0)
        {
            problems.Add("the #MC injected inside the NMI handler was not delivered there (NMI blocking does not hold #MC)");
        }
        else if (inside[mc].Depth != 2)
        {
            problems.Add($"the #MC arrived at depth {inside[mc].Depth}, not nested in the NMI handler");
        }

        if (nested >= 0 && (mc < 0 || nested < mc))
        {
            problems.Add($"an NMI was delivered inside the NMI handler before any IRET ({inside[nested]})");
        }
        else if (mc >= 0 && nested < 0)
        {
            problems.Add("after the #MC handler's IRET the latched NMI was not delivered nested: the #MC's IRET did not end NMI blocking, " +
                         "or the NMI sent inside the handler was never latched");
        }

        return problems;
    }

    private static int FindIndex(IReadOnlyList<TraceEvent> trace, int from, Func<TraceEvent, bool> match)
    {
        for (int i = from; i < trace.Count; i++)
        {
            if (match(trace[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
