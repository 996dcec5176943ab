using Rig.Com2;
using Rig.Targets;

namespace Rig.Churn;

/// <summary>
/// COM2 for a VM of a churned case: `churn-end` is acknowledged once <paramref name="over"/> completes (the churn is
/// over), so a probe checks for exactly as long as the churn runs, however long the churn takes to force its
/// collisions; every other request is a standard action.
/// </summary>
public sealed class ChurnEndActions(Task over) : IHostActionHandler
{
    private readonly StandardHostActions _standard = new();

    public async Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken)
    {
        if (request.Action != "churn-end")
        {
            return await _standard.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
        }

        await over.WaitAsync(cancellationToken).ConfigureAwait(false);
        return HostAck.Success(request.Seq);
    }
}
