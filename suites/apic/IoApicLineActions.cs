using System.Text.Json.Nodes;
using Rig.Com2;
using Rig.Suites.Apic.Records;
using Rig.Targets;

namespace Rig.Suites.Apic;

/// <summary>
/// COM2 `ioapic-set-irq pins=MASK level=0|1` for apic.io-apic: the reference drives those IOAPIC inputs itself
/// (rig-hv's x-rig-ioapic-set-irq), a line the rig controls; anything else is a standard action. A target without the
/// command acks err, and the probe falls back to a line it can drive from the guest (the RTC).
/// </summary>
internal sealed class IoApicLineActions : IHostActionHandler
{
    private readonly StandardHostActions _standard = new();

    public async Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken)
    {
        if (request.Action != IoApicLineRequest.Action)
        {
            return await _standard.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var arguments = new JsonObject { ["pins"] = request.GetUInt64(IoApicLineRequest.Pins), ["level"] = request.GetUInt64(IoApicLineRequest.Level) != 0 };
            await control.RequireReference("drive an IOAPIC input").VendorCommandAsync("x-rig-ioapic-set-irq", arguments, cancellationToken).ConfigureAwait(false);
            return HostAck.Success(request.Seq);
        }
        catch (TargetUnsupportedException e)
        {
            return HostAck.Error(request.Seq, e.Reason);
        }
        catch (Qmp.QmpCommandException e)
        {
            return HostAck.Error(request.Seq, e.ErrorClass.Length > 0 ? e.ErrorClass : "qmp-error");
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException)
        {
            return HostAck.Error(request.Seq, "bad-request");
        }
    }
}
