using Rig.Guest;
using Rig.Suites.Evtchn.Records;

/// <summary>
/// The host backend (domain 0) over COM2, and what the evtchn probes print: `evtchn-bind port=N` binds the host to a
/// port the guest allocated for domain 0, `evtchn-send port=N count=K` makes the host send K times (the ack's ns= is
/// how long the host's sends took), `evtchn-race port=T mailbox=GPA` parks each try of the hypervisor's set_link on tail T
/// for the host's sends until the guest has answered it through the mailbox with one write (seed 003's race, forced;
/// <see cref="Partner"/>), port=0 ends it. `RIG evcheck` and `RIG evcount` records carry what the host judges.
/// </summary>
public static unsafe class Backend
{
    /// <summary>
    /// A host send blocked longer than this is a stalled sender (the hypervisor's set_link did not give up); a forced
    /// race's tries may each wait seconds for a loaded host to run the answering vCPU.
    /// </summary>
    public const ulong StallUs = 10_000_000;

    /// <summary>The reason a refused bind is reported under.</summary>
    public const string HostBindRefused = "host-bind-refused";

    /// <summary>A port bound to the host on <paramref name="vcpu"/>'s queue, or 0 (reported) when refused.</summary>
    public static uint HostPort(string name, uint vcpu)
    {
        uint port = TryHostPort(vcpu);
        if (port == 0)
        {
            Report.Fail(name, HostBindRefused);
        }
        return port;
    }

    /// <summary>
    /// As <see cref="HostPort"/>, leaving a refusal to the caller: 0 when the host did not bind (a target where the rig
    /// plays no other domain refuses every bind, and a case whose other checks stand without one goes on).
    /// </summary>
    public static uint TryHostPort(uint vcpu)
    {
        uint port = XenEvents.AllocUnbound(0);
        Line request = default;
        request.Text(BackendRequest.Bind);
        request.Field(BackendRequest.Port, port);
        return port == 0 || Control.Request(ref request, Control.AnswerBoundUs) != Acknowledgement.Ok || (vcpu != 0 && XenEvents.BindVcpu(port, vcpu) != 0)
            ? 0
            : port;
    }

    /// <summary>The host sends <paramref name="count"/> times to <paramref name="port"/>; the host's time in ns, or <see cref="TailRoundRecord.StalledSendNs"/>.</summary>
    public static ulong Send(uint port, ulong count)
    {
        Line request = default;
        request.Text(BackendRequest.Send);
        request.Field(BackendRequest.Port, port);
        request.Field(BackendRequest.Count, count);
        return Burst(ref request, count);
    }

    /// <summary>The hypervisor raises <paramref name="virq"/> on <paramref name="vcpu"/> <paramref name="count"/> times; the host's time in ns, or <see cref="TailRoundRecord.StalledSendNs"/>.</summary>
    public static ulong RaiseVirq(uint virq, uint vcpu, ulong count)
    {
        Line request = default;
        request.Text(BackendRequest.Virq);
        request.Field(BackendRequest.VirqNumber, virq);
        request.Field(BackendRequest.Vcpu, vcpu);
        request.Field(BackendRequest.Count, count);
        return Burst(ref request, count);
    }

    /// <summary>
    /// What a burst may take the host per event before the probe stops waiting for it: 4-7 µs measured at a load average
    /// of 35-68 on this machine; at 90 a 500 000-event burst outlasted the 20 µs allowance this replaced.
    /// </summary>
    public const ulong BurstUsPerEvent = 100;

    private static ulong Burst(ref Line request, ulong count)
    {
        if (Control.Request(ref request, StallUs + count * BurstUsPerEvent) != Acknowledgement.Ok)
        {
            return TailRoundRecord.StalledSendNs;
        }
        return Control.TryGetAckNumber(BackendRequest.AckNs, out ulong ns) ? ns : 0;
    }

    /// <summary>Forces the race on <paramref name="tail"/> for the host's sends (0: ends it); false when the target cannot.</summary>
    public static bool Race(uint tail, ulong* mailbox)
    {
        Line request = default;
        request.Text(BackendRequest.Race);
        request.Field(BackendRequest.Port, tail);
        request.Field(BackendRequest.Mailbox, (ulong)mailbox);
        return Control.Request(ref request, Control.AnswerBoundUs) == Acknowledgement.Ok;
    }

    /// <summary>Asks the host to keep the hypervisor's counts now (the VM is gone when the case judges).</summary>
    public static void Stats()
    {
        if (Control.Request(BackendRequest.Stats, Control.AnswerBoundUs) != Acknowledgement.Ok)
        {
            Report.Fail("evtchn", "host-stats-refused");
        }
    }

    /// <summary>`RIG evcheck check=name got=value`: one ABI result the host compares with the design.</summary>
    public static void Check(string check, long got)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(AbiCheckRecord.Kind);
        line.TextField(AbiCheckRecord.Check, check);
        line.SignedField(AbiCheckRecord.Got, got);
        Report.Emit(ref line);
    }

    /// <summary>`RIG evcount role=r port=p handled=h`: how often the guest handled a port's event.</summary>
    public static void Count(string role, uint port, ulong extraKey, string extraName)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(EventCountRecord.Kind);
        line.TextField(EventCountRecord.Role, role);
        line.Field(EventCountRecord.Port, port);
        line.Field(EventCountRecord.Handled, XenEvents.Handled(port));
        if (extraName.Length > 0)
        {
            line.Field(extraName, extraKey);
        }
        Report.Emit(ref line);
    }
}
