using Rig.Guest;
using Rig.Suites.Evtchn.Records;

/// <summary>
/// evtchn.no-lost-events, guest side, two vCPUs. vCPU 1 consumes while events come from three sources: the host backend
/// sends `host=` events in one burst to an interdomain port, the hypervisor raises VIRQ_DEBUG `virq=` times on vCPU 1,
/// and vCPU 0 sends IPI events to vCPU 1 for `ms=` milliseconds, each one's send-to-upcall time a `send_to_upcall_us`
/// sample. Then the forced race of seed 003's unmask: vCPU 1 holds its queue with port `tail` on it while the host links
/// `next` behind `tail`, and answers each try of set_link the hypervisor parks (`evtchn-race`) with one allowed write:
/// mask `tail`, or unmask it by EVTCHNOP_unmask. `RIG
/// evcount` lines give what vCPU 1 handled; the host compares them with the hypervisor's count of sends and coalesced
/// sends.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const byte Vector = 0xF3;

    /// <summary>VIRQ_DEBUG (xen.h): a per-vCPU VIRQ, so it may be bound on vCPU 1 (global VIRQs only on vCPU 0).</summary>
    private const uint VirqDebug = 1;

    /// <summary>
    /// How long vCPU 0 waits for an IPI's upcall: the receiving vCPU's host thread may wait several scheduler ticks
    /// (4 ms each here) for a core on a loaded host, and a shorter bound would drop exactly the slow samples.
    /// </summary>
    private const ulong UpcallBoundUs = 200_000;

    /// <summary>Latency samples printed at most (each a COM1 line; the report draws their distribution).</summary>
    private const int MaxSamples = 64;

    public static void Main()
    {
        ulong hostEvents = CommandLine.GetNumber("host", 500_000);
        ulong virqEvents = CommandLine.GetNumber("virq", 500_000);
        ulong ms = CommandLine.GetNumber("ms", 1_000);
        LocalApic.Enable();
        if (!XenEvents.Enable(Vector, out string reason))
        {
            Report.Skip(Name, reason);
            return;
        }
        if (!Partner.Start())
        {
            Report.Fail(Name, "vcpu1-did-not-start");
            return;
        }
        uint host = Backend.HostPort(Name, 1);
        uint ipi = XenEvents.BindIpi(1);
        uint virq = XenEvents.BindVirq(VirqDebug, 1);
        if (host == 0 || ipi == 0 || virq == 0)
        {
            Report.Fail(Name, "bind-refused");
            return;
        }

        ulong hostNs = Backend.Send(host, hostEvents);
        ulong virqNs = Backend.RaiseVirq(VirqDebug, 1, virqEvents);
        ulong* samples = stackalloc ulong[MaxSamples];
        int taken = 0;
        ulong sent = 0, withoutUpcall = 0;
        ulong end = Tsc.Deadline(ms * 1000);
        while (Tsc.Now < end)
        {
            ulong before = XenEvents.Upcalls(1);
            ulong start = Native.Rdtsc();
            XenEvents.Send(ipi);
            sent++;
            ulong wait = Tsc.Deadline(UpcallBoundUs);
            while (XenEvents.Upcalls(1) == before && Tsc.Now < wait)
            {
                Cpu.Pause();
            }
            if (XenEvents.Upcalls(1) == before)
            {
                withoutUpcall++; // allowed: evtchn_upcall_pending was still set, so the event rode on an earlier upcall
            }
            else if (taken < MaxSamples)
            {
                samples[taken++] = Tsc.Microseconds(XenEvents.LastUpcallTsc(1) - start);
            }
        }
        Partner.Set(Partner.UnmaskAndDrain, host);
        Backend.Count(EventCountRecord.HostRole, host, hostNs, EventCountRecord.HostNs);
        Backend.Count(EventCountRecord.VirqRole, virq, virqNs, EventCountRecord.HostNs);
        Backend.Count(EventCountRecord.IpiRole, ipi, sent, EventCountRecord.Sent);
        for (int i = 0; i < taken; i++)
        {
            Report.Metric(Name, "send_to_upcall_us", samples[i], "us");
        }
        Report.Metric(Name, "ipi_without_upcall", withoutUpcall, "events");

        uint tail = Backend.HostPort(Name, 1);
        uint next = Backend.HostPort(Name, 1);
        Partner.Set(Partner.Hold, 0);
        Backend.Send(tail, 1);
        Partner.Set(Partner.FlipByHypercall, tail);
        if (!Backend.Race(tail, Partner.Mailbox))
        {
            Report.Skip(Name, TailRoundRecord.ForcedLinkRaceRefused);
        }
        Backend.Send(next, 1);
        Backend.Race(0, Partner.Mailbox);
        ulong writes = Partner.Writes;
        Partner.Set(Partner.UnmaskAndDrain, tail);
        Backend.Count(EventCountRecord.RaceTailRole, tail, writes, EventCountRecord.TailWrites);
        Backend.Count(EventCountRecord.RaceNextRole, next, 0, "");
        Backend.Stats();
        Report.Ok(Name);
    }
}
