namespace Rig.Suites.NmiMce.Oracles;

/// <summary>
/// A software INT 2 or INT 18 through a DPL3 gate calls the NMI or #MC handler, but the processor's NMI-handling hardware
/// is not activated (SDM Vol. 3A 6.3.3 "Software-Generated Interrupts"; 6.4.2 for exception vectors) and no machine
/// check is generated, so MCG_STATUS.MCIP stays clear (Vol. 3B 16.3.1.2). Inside such a fake handler a real NMI, or a
/// real #MC, is therefore delivered at once, nested (seed 004 items 3 and 4: the real event lands on the fake one's IST
/// stack). Per round: the INT n entered the handler (the script released a held handler), and the real event sent
/// while it was held nested one level deeper before the fake handler's IRET. A target that faults or drops INT n
/// fails with what became of the real event.
/// </summary>
public static class FakeEvents
{
    public static IReadOnlyList<string> Check(IReadOnlyList<TraceEvent> trace, int rounds, int vector)
    {
        var problems = new List<string>();
        string instruction = $"INT {vector}";
        string real = vector == TraceEvent.Nmi ? "NMI" : "#MC";
        for (int round = 1; round <= rounds; round++)
        {
            var events = trace.Where(e => e.Round == round).ToList();
            int asked = events.FindIndex(e => e.What == TraceWhat.Int);
            var sent = events.FirstOrDefault(e => e.What is TraceWhat.Ipi or TraceWhat.Request);
            if (asked < 0 || sent is null)
            {
                problems.Add($"round {round}: the script did not run (no {(asked < 0 ? instruction : "real " + real)} step)");
                continue;
            }

            var deliveries = events.Where(e => e.What == TraceWhat.Deliver && e.Vector == vector).ToList();
            string fate = deliveries.Count > 0 ? $"the real {real} sent afterwards was delivered ({deliveries[0]})" : $"the real {real} was not delivered either";
            if (events.FirstOrDefault(e => e.What == TraceWhat.Int && e.Value != 0) is { } fault)
            {
                problems.Add($"round {round}: {instruction} at CPL3 through a DPL3 gate raised {TraceEvent.ExceptionName(fault.Value)} instead of calling the {real} handler; {fate}");
                continue;
            }

            int fake = events.FindIndex(asked, e => e.What == TraceWhat.Deliver && e.Vector == vector);
            if (fake < 0 || !events.Any(e => e.What == TraceWhat.Release))
            {
                problems.Add($"round {round}: {instruction} executed at CPL3 never reached the {real} handler (the target dropped it); {fate}");
                continue;
            }

            if (sent.What == TraceWhat.Request && sent.Value != 0)
            {
                problems.Add($"round {round}: the host refused the real {real} sent inside the fake handler ({sent}): a target that " +
                             $"took {instruction} for a machine check in progress refuses or shuts down on the next");
                continue;
            }

            // A host request is recorded when the host acknowledges it, so its delivery may come first: look from the fake's entry.
            int iret = events.FindIndex(fake, e => e.What == TraceWhat.Iret && e.Depth == events[fake].Depth);
            var nested = events.Skip(fake + 1).Take((iret < 0 ? events.Count : iret) - fake - 1)
                .Where(e => e.What == TraceWhat.Deliver && e.Vector == vector).ToList();
            if (nested.Count == 0)
            {
                var late = iret < 0 ? null : events.Skip(iret + 1).FirstOrDefault(e => e.What == TraceWhat.Deliver && e.Vector == vector);
                problems.Add(late is { }
                    ? $"round {round}: the real {real} waited for the fake handler's IRET ({late.Us - events[iret].Us} us after it): the target " +
                      $"treated {instruction} as a real {real} and blocked what followed"
                    : $"round {round}: the real {real} sent inside the fake handler was never delivered");
            }
            else if (nested[0].Depth != events[fake].Depth + 1)
            {
                problems.Add($"round {round}: the real {real} arrived at depth {nested[0].Depth}, not nested in the fake handler");
            }
        }

        return problems;
    }
}
