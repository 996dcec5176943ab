namespace Rig.Suites.NmiMce.Oracles;

/// <summary>
/// SDM Vol. 3A 6.7.1: NMI blocking ends at the next IRET, whatever privilege level it returns to. Each round sends two
/// NMIs to a vCPU working at CPL3, the second after the first handler's IRET took it back to CPL3: both must be
/// delivered. A hypervisor that returns from an NMI to user mode without ending the blocking (seed 004 item 9: Xen's
/// sysret path) never delivers the second.
/// </summary>
public static class NmiReturnToUserRules
{
    public static IReadOnlyList<string> Check(IReadOnlyList<TraceEvent> trace, int rounds)
    {
        var problems = new List<string>();
        for (int round = 1; round <= rounds; round++)
        {
            var events = trace.Where(e => e.Round == round).ToList();
            int sent = events.Count(e => e.What == TraceWhat.Ipi);
            var delivered = events.Where(e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.Nmi).ToList();
            if (delivered.Count == 0)
            {
                problems.Add($"round {round}: none of {sent} NMIs was delivered");
            }
            else if ((delivered[0].Cs & 3) != 3)
            {
                problems.Add($"round {round}: the first NMI interrupted CS 0x{delivered[0].Cs:x}, not CPL3, so its IRET did not return to user mode: not tested");
            }
            else if (delivered.Count < sent)
            {
                problems.Add($"round {round}: {sent} NMIs sent, {delivered.Count} delivered: after the handler's IRET returned to CPL3 " +
                             $"(CS 0x{delivered[0].Cs:x}) NMIs stayed blocked");
            }
            else if (delivered.Count > sent)
            {
                problems.Add($"round {round}: {delivered.Count} NMIs delivered for {sent} sent");
            }
        }

        return problems;
    }
}
