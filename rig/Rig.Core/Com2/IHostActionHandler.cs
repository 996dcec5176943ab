using Rig.Targets;

namespace Rig.Com2;

/// <summary>Performs what a probe asks for over COM2. A case supplies its own to play a scenario; the default is <see cref="StandardHostActions"/>.</summary>
public interface IHostActionHandler
{
    /// <summary>The ack to send, or null when none must be sent (after <c>reset</c> the guest that asked is gone).</summary>
    Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken);
}
