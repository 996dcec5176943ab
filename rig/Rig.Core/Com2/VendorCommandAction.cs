using System.Text.Json.Nodes;
using Rig.Qmp;
using Rig.Targets;

namespace Rig.Com2;

/// <summary>
/// One suite-specific COM2 action served by one of the reference's vendor commands (rig-hv's x-rig-*), every other
/// action by the standard ones. A target without the command, a QMP error or a malformed request is acked err with its
/// reason, so the probe reports the case skipped instead of waiting.
/// </summary>
/// <param name="action">The COM2 action this serves.</param>
/// <param name="vendorCommand">The reference's QMP command that performs it.</param>
/// <param name="purpose">What the command does, for the skip reason on a target that lacks it.</param>
/// <param name="arguments">The command's arguments from the request's fields.</param>
public sealed class VendorCommandAction(string action, string vendorCommand, string purpose, Func<HostRequest, JsonObject> arguments)
    : IHostActionHandler
{
    private readonly StandardHostActions _standard = new();

    public async Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken)
    {
        if (request.Action != action)
        {
            return await _standard.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await control.RequireReference(purpose).VendorCommandAsync(vendorCommand, arguments(request), cancellationToken).ConfigureAwait(false);
            return HostAck.Success(request.Seq);
        }
        catch (TargetUnsupportedException e)
        {
            return HostAck.Error(request.Seq, e.Reason);
        }
        catch (QmpCommandException e)
        {
            return HostAck.Error(request.Seq, e.ErrorClass.Length > 0 ? e.ErrorClass : "qmp-error");
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException)
        {
            return HostAck.Error(request.Seq, "bad-request");
        }
    }
}
