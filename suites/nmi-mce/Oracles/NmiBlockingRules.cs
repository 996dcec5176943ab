namespace Rig.Suites.NmiMce.Oracles;

/// <summary>What <see cref="NmiBlockingRules.Check"/> found: the violations, and per round the time from the handler's IRET to the latched NMI.</summary>
public sealed record NmiBlockingFinding(IReadOnlyList<string> Problems, IReadOnlyList<double> LatchLatenciesUs);

/// <summary>
/// SDM Vol. 3A 6.7.1 "Handling Multiple NMIs": while an NMI handler runs, the processor blocks further NMIs until the
/// next IRET; one NMI arriving meanwhile is latched (held pending) and delivered after that IRET, and NMIs beyond it
/// are not delivered separately. So in each round of the script, with at least one NMI sent while the vCPU was inside
/// its handler (host injections the host acknowledged, the vCPU's own NMI IPIs): no NMI is delivered between the
/// handler's entry and its IRET, and exactly one is delivered after it.
/// </summary>
public static class NmiBlockingRules
{
    public static NmiBlockingFinding Check(IReadOnlyList<TraceEvent> trace, int rounds)
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
            foreach (var nested in inside.Where(e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.Nmi))
            {
                problems.Add($"round {round}: an NMI was delivered inside the NMI handler, before its IRET (nested, depth {nested.Depth}, " +
                             $"{nested.Us - events[entry].Us} us after the handler's entry, interrupted RIP 0x{nested.Rip:x})");
            }

            int sent = inside.Count(e => (e.What == TraceWhat.Request && e.Value == 0) || e.What == TraceWhat.Ipi);
            var after = events.Skip(iret + 1).Where(e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.Nmi).ToList();
            if (sent == 0)
            {
                problems.Add($"round {round}: no NMI reached the vCPU while it was in its handler (no acknowledged request, no IPI), so blocking was not tested");
            }
            else if (after.Count == 0)
            {
                problems.Add($"round {round}: {sent} NMIs arrived inside the handler and none was delivered after its IRET: the latched NMI was lost");
            }
            else if (after.Count > 1)
            {
                problems.Add($"round {round}: {after.Count} NMIs were delivered after the handler's IRET; only one can be latched");
            }

            if (after.Count > 0)
            {
                latencies.Add(after[0].Us - events[iret].Us);
            }
        }

        return new NmiBlockingFinding(problems, latencies);
    }
}
