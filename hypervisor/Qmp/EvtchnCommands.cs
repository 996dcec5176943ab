using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// The host backend of suites/evtchn (seed 003) on QMP: the host plays domain 0, the other end of the guest's
/// interdomain channels. x-rig-evtchn-bind port=N binds the host to the guest's port N (allocated with
/// EVTCHNOP_alloc_unbound for domain 0); x-rig-evtchn-send port=N count=K notifies it K times; x-rig-evtchn-virq
/// virq=V vcpu=C count=K raises a VIRQ the guest bound K times, as Xen's send_guest_vcpu_virq;
/// x-rig-evtchn-link-race port=T mailbox=GPA forces the race on tail T for the host's sends, each try of set_link
/// parked until the guest answers through the mailbox (<see cref="ForcedLinkRace"/>; port=0 ends it);
/// x-rig-evtchn-stats returns the hypervisor's counts.
/// </summary>
internal static class EvtchnCommands
{
    /// <summary>The lab profile's 10^7 events of one source in one burst at most.</summary>
    private const ulong MaxBurst = 10_000_000;

    public static IEnumerable<(string Name, IReadOnlyList<QmpParameter> Parameters, Func<QmpArguments, object?> Run)> All(
        Func<XenEventChannels?> channels)
    {
        var port = new QmpParameter("port", QmpArgumentType.Integer);
        var count = new QmpParameter("count", QmpArgumentType.Integer);
        yield return ("x-rig-evtchn-bind", [port], a => Check(Of(channels).HostBind(Port(a)), $"port {a.Integer("port")} is not unbound for domain 0"));
        yield return ("x-rig-evtchn-send", [port, count], a => SendBurst(Of(channels), Port(a), a.Integer("count")));
        yield return ("x-rig-evtchn-virq", [new("virq", QmpArgumentType.Integer), new("vcpu", QmpArgumentType.Integer), count],
            a => VirqBurst(Of(channels), a.Integer("virq"), a.Integer("vcpu"), a.Integer("count")));
        yield return ("x-rig-evtchn-link-race", [port, new("mailbox", QmpArgumentType.Integer)], a => ForceRace(Of(channels), Port(a), a.Integer("mailbox")));
        yield return ("x-rig-evtchn-stats", [], _ => Stats(Of(channels)));
    }

    private static uint Port(QmpArguments a) => a.Integer("port") < EventChannelPorts.Capacity ? (uint)a.Integer("port") : 0;

    private static XenEventChannels Of(Func<XenEventChannels?> channels) =>
        channels() ?? throw QmpError.Generic("this VM has no Xen event channels");

    private static Dictionary<string, object?> Check(bool done, string otherwise) =>
        done ? [] : throw QmpError.Generic(otherwise);

    private static Dictionary<string, object?> SendBurst(XenEventChannels channels, uint port, ulong count) =>
        Burst(count, () => channels.HostSend(port), $"port {port} is not bound to the host");

    private static Dictionary<string, object?> VirqBurst(XenEventChannels channels, ulong virq, ulong vcpu, ulong count) =>
        Burst(count, () => virq < EventChannelPorts.VirqCount && vcpu < int.MaxValue && channels.HostRaiseVirq((uint)virq, (int)vcpu),
            $"VIRQ {virq} is not bound on vCPU {vcpu}");

    /// <summary><paramref name="count"/> events raised back to back (a burst the guest consumes concurrently); the reply says how long they took.</summary>
    private static Dictionary<string, object?> Burst(ulong count, Func<bool> raise, string refused)
    {
        if (count is 0 or > MaxBurst)
        {
            throw QmpError.Generic($"count={count}: 1..{MaxBurst}");
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (ulong i = 0; i < count; i++)
        {
            if (!raise())
            {
                throw QmpError.Generic(refused);
            }
        }

        return new() { ["ns"] = (long)System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds };
    }

    private static Dictionary<string, object?> ForceRace(XenEventChannels channels, uint tail, ulong mailbox)
    {
        if (tail == 0)
        {
            channels.Race.Disarm();
            return [];
        }

        return Check(channels.Race.Arm(tail, mailbox), $"mailbox {mailbox:#x} is not two aligned 64-bit words of guest RAM");
    }

    private static Dictionary<string, object?> Stats(XenEventChannels channels)
    {
        var s = channels.Queues.Stats;
        return new()
        {
            ["sends"] = s.Sends,
            ["coalesced"] = s.Coalesced,
            ["links"] = s.Links,
            ["set-link-retries"] = s.SetLinkRetries,
            ["most-set-link-retries"] = s.MostSetLinkRetries,
            ["lost"] = s.Lost,
            ["unroutable"] = s.Unroutable,
            ["upcalls"] = s.Upcalls,
            ["longest-send-ns"] = s.LongestSendNs,
            ["host-received"] = channels.HostReceived,
        };
    }
}
