using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rig.Com2;
using Rig.Suites.Evtchn.Records;
using Rig.Targets;

namespace Rig.Suites.Evtchn;

/// <summary>
/// The host backend as the evtchn probes ask for it over COM2 (probes/Shared/Backend.cs): evtchn-bind, evtchn-send and
/// evtchn-virq (acked with the host's ns), evtchn-race, evtchn-stats (kept for the case: the VM is gone when it judges), through rig-hv's x-rig-evtchn-* commands; anything else is a standard
/// action. A target without them acks err, and the probe reports it.
/// </summary>
internal sealed class EvtchnHostActions : IHostActionHandler
{
    private readonly StandardHostActions _standard = new();

    public async Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken)
    {
        try
        {
            switch (request.Action)
            {
                case BackendRequest.Bind:
                    await control.RequireReference("x-rig-evtchn-bind").VendorCommandAsync("x-rig-evtchn-bind", new JsonObject { ["port"] = request.GetUInt64(BackendRequest.Port) }, cancellationToken).ConfigureAwait(false);
                    return HostAck.Success(request.Seq);
                case BackendRequest.Send:
                    return await BurstAsync(control, request, "x-rig-evtchn-send",
                        new JsonObject { ["port"] = request.GetUInt64(BackendRequest.Port), ["count"] = request.GetUInt64(BackendRequest.Count) }, cancellationToken).ConfigureAwait(false);
                case BackendRequest.Virq:
                    return await BurstAsync(control, request, "x-rig-evtchn-virq",
                        new JsonObject { ["virq"] = request.GetUInt64(BackendRequest.VirqNumber), ["vcpu"] = request.GetUInt64(BackendRequest.Vcpu), ["count"] = request.GetUInt64(BackendRequest.Count) },
                        cancellationToken).ConfigureAwait(false);
                case BackendRequest.Stats:
                    Stats = await StatsAsync(control).ConfigureAwait(false);
                    return HostAck.Success(request.Seq);
                case BackendRequest.Race:
                    await control.RequireReference("x-rig-evtchn-link-race").VendorCommandAsync("x-rig-evtchn-link-race", new JsonObject { ["port"] = request.GetUInt64(BackendRequest.Port), ["mailbox"] = request.GetUInt64(BackendRequest.Mailbox) }, cancellationToken).ConfigureAwait(false);
                    return HostAck.Success(request.Seq);
                default:
                    return await _standard.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TargetUnsupportedException e)
        {
            return HostAck.Error(request.Seq, e.Reason);
        }
        catch (Qmp.QmpCommandException e)
        {
            return HostAck.Error(request.Seq, e.ErrorClass.Length > 0 ? e.ErrorClass : "qmp-error");
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return HostAck.Error(request.Seq, "bad-request");
        }
    }

    /// <summary>A burst of host-raised events; the ack's ns= is how long the hypervisor took to raise them all.</summary>
    private static async Task<HostAck> BurstAsync(IControlPlane control, HostRequest request, string command, JsonObject arguments, CancellationToken cancellationToken)
    {
        var reply = await control.RequireReference(command).VendorCommandAsync(command, arguments, cancellationToken).ConfigureAwait(false);
        return HostAck.Success(request.Seq, KeyValuePair.Create("ns", reply.GetProperty("ns").GetInt64().ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>The hypervisor's counts when the probe last asked (evtchn-stats, after its final drain); null if it never did.</summary>
    public IReadOnlyDictionary<string, long>? Stats { get; private set; }

    /// <summary>x-rig-evtchn-stats: the hypervisor's own counts, by name.</summary>
    private static async Task<IReadOnlyDictionary<string, long>> StatsAsync(IControlPlane control)
    {
        var stats = await control.RequireReference("x-rig-evtchn-stats").VendorCommandAsync("x-rig-evtchn-stats", null).ConfigureAwait(false);
        return stats.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number)
            .ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }
}
