namespace Rig.Suites.NmiMce.Oracles;

/// <summary>What <see cref="FaultIretUnblocks.Check"/> found: the violations, and per round the time from the fault to the nested NMI.</summary>
public sealed record FaultIretFinding(IReadOnlyList<string> Problems, IReadOnlyList<double> NestedLatenciesUs);

/// <summary>
/// SDM Vol. 3A 6.7.1 "Handling Multiple NMIs": NMI blocking lasts until the next IRET, whichever handler executes it.
/// A fault taken inside the NMI handler (#UD, #GP, #PF) whose handler returns with IRET therefore ends the blocking
/// there, and an NMI latched before it is delivered at once, nested in the NMI handler: the reentrancy seed 004
/// item 1 warns an OS about. In each round, with an NMI sent while the vCPU was held in its handler: nothing is
/// delivered before the fault, the latched NMI nests after it (depth 2, before the NMI handler's own IRET), and it is
/// delivered once. A target that keeps NMIs blocked until the NMI handler's IRET is as wrong as one that drops it.
/// </summary>
public static class FaultIretUnblocks
{
    public static FaultIretFinding Check(IReadOnlyList<TraceEvent> trace, int rounds)
    {
        var problems = new List<string>();
        var latencies = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            if (HeldRound.Find(trace, round, problems) is not { } held)
            {
                continue;
            }

            var (events, entry, iret, inside) = (held.Events, held.Entry, held.Iret, held.Inside);
            int fault = inside.FindIndex(e => e.What == TraceWhat.Fault);
            if (fault < 0)
            {
                problems.Add($"round {round}: the held NMI handler never took the fault it was asked for, so the fault's IRET was not tested");
                continue;
            }

            string name = TraceEvent.ExceptionName(inside[fault].Vector);
            if (inside.Skip(fault + 1).FirstOrDefault(e => e.What == TraceWhat.Fault && e.Vector == 0) is { } missed)
            {
                problems.Add($"round {round}: the access meant to raise {name} at CPL0 did not fault ({missed})");
                continue;
            }

            foreach (var early in inside.Take(fault).Where(IsNmi))
            {
                problems.Add($"round {round}: an NMI was delivered inside the NMI handler before any IRET (depth {early.Depth}, " +
                             $"{early.Us - events[entry].Us} us after the handler's entry)");
            }

            if (!inside.Take(fault).Any(e => e.What == TraceWhat.Ipi || (e.What == TraceWhat.Request && e.Value == 0)))
            {
                problems.Add($"round {round}: no NMI was sent while the vCPU was in its handler, so there was nothing to unblock");
                continue;
            }

            var nested = inside.Skip(fault + 1).Where(IsNmi).ToList();
            var late = events.Skip(iret + 1).Where(IsNmi).ToList();
            if (nested.Count == 0)
            {
                problems.Add(late.Count > 0
                    ? $"round {round}: the {name} handler's IRET did not end NMI blocking: the latched NMI waited for the NMI handler's own " +
                      $"IRET and came {late[0].Us - events[iret].Us} us after it"
                    : $"round {round}: the latched NMI was never delivered, neither after the {name} handler's IRET nor after the NMI handler's");
                continue;
            }

            if (nested.Count + late.Count > 1)
            {
                problems.Add($"round {round}: {nested.Count} NMIs nested after the {name} and {late.Count} came after the NMI handler's IRET; " +
                             "only one can be latched");
            }

            if (nested[0].Depth != 2)
            {
                problems.Add($"round {round}: the NMI after the {name} handler's IRET arrived at depth {nested[0].Depth}, not nested once in the NMI handler");
            }

            latencies.Add(nested[0].Us - inside[fault].Us);
        }

        return new FaultIretFinding(problems, latencies);
    }

    private static bool IsNmi(TraceEvent e) => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.Nmi;
}
