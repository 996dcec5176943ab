using System.Text.Json.Nodes;
using Rig.Com2;
using Rig.Targets;

namespace Rig.Suites.Time;

/// <summary>
/// COM2 `recalibrate hz=N hold-us=M` for time.torn-record: the reference recalibrates its clocks N times a second and
/// holds each record update half written for M µs (rig-hv's x-rig-recalibrate); anything else is a standard action. A
/// target without the command acks err, and the probe reports the case skipped.
/// </summary>
internal sealed class RecalibrationActions : IHostActionHandler
{
    private readonly StandardHostActions _standard = new();

    public async Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken)
    {
        if (request.Action != "recalibrate")
        {
            return await _standard.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var arguments = new JsonObject { ["hz"] = request.GetUInt64("hz"), ["hold-us"] = request.GetUInt64("hold-us") };
            await control.RequireReference("recalibrate").VendorCommandAsync("x-rig-recalibrate", arguments, cancellationToken).ConfigureAwait(false);
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
