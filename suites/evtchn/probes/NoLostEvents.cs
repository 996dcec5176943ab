using Rig.Guest;

/// <summary>
/// evtchn.no-lost-events, guest side, two vCPUs. vCPU 1 consumes while the host backend sends `n=` events in one burst
/// to its port and vCPU 0 sends IPI events to vCPU 1 for `ms=` milliseconds (each IPI's send-to-upcall time measured).
/// Then the forced race of seed 003's unmask: vCPU 1 holds its queue with port `tail` on it and masks/unmasks `tail` by
/// EVTCHNOP_unmask in a loop while the host, its set_link held open, links `next` behind `tail`. `RIG evcount` lines
/// give what vCPU 1 handled; the host compares them with the hypervisor's count of sends and coalesced sends.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const byte Vector = 0xF3;
    private const ulong RaceWindowUs = 50_000; // a loaded host may not run the writing vCPU for milliseconds

    public static void Main()
    {
        ulong burst = CommandLine.GetNumber("n", 1_000_000);
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
        if (host == 0 || ipi == 0)
        {
            Report.Fail(Name, "bind-refused");
            return;
        }

        ulong hostNs = Backend.Send(host, burst);
        ulong sent = 0;
        ulong latencyTotal = 0;
        ulong latencyMax = 0;
        ulong end = Tsc.Deadline(ms * 1000);
        while (Tsc.Now < end)
        {
            ulong before = XenEvents.Upcalls(1);
            ulong start = Native.Rdtsc();
            XenEvents.Send(ipi);
            sent++;
            ulong wait = Tsc.Deadline(10_000);
            while (XenEvents.Upcalls(1) == before && Tsc.Now < wait)
            {
                Cpu.Pause();
            }
            if (XenEvents.Upcalls(1) != before)
            {
                ulong ns = Tsc.Nanoseconds(XenEvents.LastUpcallTsc(1) - start);
                latencyTotal += ns;
                latencyMax = ns > latencyMax ? ns : latencyMax;
            }
        }
        Partner.Set(Partner.UnmaskAndDrain, host);
        Backend.Count("host", host, hostNs, "host_ns");
        Backend.Count("ipi", ipi, sent, "sent");
        Report.Metric(Name, "send_to_upcall_mean_ns", sent == 0 ? 0 : latencyTotal / sent, "ns");
        Report.Metric(Name, "send_to_upcall_max_ns", latencyMax, "ns");

        uint tail = Backend.HostPort(Name, 1);
        uint next = Backend.HostPort(Name, 1);
        Partner.Set(Partner.Hold, 0);
        Backend.Send(tail, 1);
        Partner.Set(Partner.FlipByHypercall, tail);
        Backend.Window(RaceWindowUs);
        Backend.Send(next, 1);
        Backend.Window(0);
        Partner.Set(Partner.UnmaskAndDrain, tail);
        Backend.Count("race-tail", tail, 0, "");
        Backend.Count("race-next", next, 0, "");
        Backend.Stats();
        Report.Ok(Name);
    }
}
