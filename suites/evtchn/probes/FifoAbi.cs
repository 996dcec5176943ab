using Rig.Guest;

/// <summary>
/// evtchn.fifo-abi, guest side: on one vCPU, the FIFO ABI's operations with good and bad arguments, priorities, a
/// masked event, close, and (where the host plays the other domain) a coalesced host burst. Every result is a
/// `RIG evcheck check=... got=...` the host compares with the design (suites/evtchn/Oracles/FifoAbiRules.cs); the probe
/// itself judges nothing.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const byte Vector = 0xF3;
    private const uint NeverBound = 900;

    public static void Main()
    {
        LocalApic.Enable();
        if (!XenEvents.Enable(Vector, out string reason))
        {
            Report.Skip(Name, reason);
            return;
        }
        ulong* init = stackalloc ulong[3];
        init[0] = 0;
        init[1] = 63UL << 32;
        init[2] = 0;
        Backend.Check("init-control-no-vcpu", XenEvents.Op(EvtchnOp.InitControl, init));
        init[1] = 4;
        Backend.Check("init-control-misaligned", XenEvents.Op(EvtchnOp.InitControl, init));
        init[1] = 0;
        Backend.Check("init-control-again", XenEvents.Op(EvtchnOp.InitControl, init));
        Backend.Check("bind-virq-beyond-nr-virqs", XenEvents.Op2(EvtchnOp.BindVirq, 24, 0, out _));
        Backend.Check("bind-ipi-no-vcpu", XenEvents.Op2(EvtchnOp.BindIpi, 63, 0, out _));
        Backend.Check("close-never-bound", XenEvents.OpPort(EvtchnOp.Close, NeverBound));
        Backend.Check("send-never-bound", XenEvents.Send(NeverBound));
        Backend.Check("unmask-never-bound", XenEvents.OpPort(EvtchnOp.Unmask, NeverBound));

        uint low = XenEvents.BindIpi(0);
        uint high = XenEvents.BindIpi(0);
        Backend.Check("set-priority-below-min", XenEvents.SetPriority(high, 16));
        Backend.Check("set-priority", XenEvents.SetPriority(high, 0));
        Backend.Check("status-ipi", Status(low));
        XenEvents.Send(low);
        XenEvents.Send(high);
        XenEvents.ConsumeOne();
        Backend.Check("higher-priority-first", XenEvents.Handled(high) == 1 && XenEvents.Handled(low) == 0 ? 1 : 0);
        XenEvents.Drain();
        Backend.Check("upcall-on-vector", XenEvents.Upcalls(0) > 0 ? 1 : 0);

        uint masked = XenEvents.BindIpi(0);
        XenEvents.Mask(masked);
        XenEvents.Send(masked);
        XenEvents.Drain();
        Backend.Check("masked-stays-pending", (long)(XenEvents.Handled(masked) + (*XenEvents.Word(masked) >> 31)));
        XenEvents.Unmask(masked);
        XenEvents.Drain();
        Backend.Check("unmask-delivers", (long)XenEvents.Handled(masked));

        Backend.Check("close", XenEvents.OpPort(EvtchnOp.Close, low));
        Backend.Check("send-after-close", XenEvents.Send(low));
        Backend.Check("status-closed", Status(low));

        uint host = Backend.TryHostPort(0);
        if (host == 0)
        {
            // The checks so far need no other domain; the host judges whether this target had to give one.
            Report.Skip(Name + ".interdomain", Backend.HostBindRefused);
            Report.Ok(Name);
            return;
        }
        Backend.Check("status-interdomain", Status(host));
        ulong before = XenEvents.Handled(host); // the port number may be a closed one's again
        Backend.Send(host, 3);
        XenEvents.Drain();
        Backend.Check("host-burst-coalesces", (long)(XenEvents.Handled(host) - before));
        Report.Ok(Name);
    }

    /// <summary>EVTCHNOP_status of a port of this domain: EVTCHNSTAT_*, or the error.</summary>
    private static long Status(uint port)
    {
        uint* request = stackalloc uint[6];
        request[0] = XenEvents.DomidSelf;
        request[1] = port;
        long result = XenEvents.Op(EvtchnOp.Status, request);
        return result != 0 ? result : request[2];
    }
}
