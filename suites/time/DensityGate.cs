using Rig.Com2;
using Rig.Suites.Time.Records;
using Rig.Targets;

namespace Rig.Suites.Time;

/// <summary>
/// The start of time.density's window: each VM asks `density-start` once its vCPUs are up; the host stops that VM (so
/// its vCPUs do not spin on the host's CPUs while the others boot) and answers every VM together once all
/// <paramref name="vms"/> have asked and the case <see cref="Open"/>s the window, so all of them read over the same
/// time, under the same load. Every other request is a standard action.
/// </summary>
internal sealed class DensityGate(int vms)
{
    private readonly int _vms = vms;
    private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    /// <summary>Completes when every VM waits at the gate.</summary>
    public Task AllArrived => _allArrived.Task;

    public int Arrived => Volatile.Read(ref _arrived);

    /// <summary>Resumes every VM at the gate (and any that arrives later) and answers it.</summary>
    public void Open() => _open.TrySetResult();

    /// <summary>What serves one VM's COM2.</summary>
    public IHostActionHandler Handler() => new Actions(this);

    private sealed class Actions(DensityGate gate) : IHostActionHandler
    {
        private readonly StandardHostActions _standard = new();

        public async Task<HostAck?> HandleAsync(HostRequest request, IControlPlane control, CancellationToken cancellationToken)
        {
            if (request.Action != DensityStart.Action)
            {
                return await _standard.HandleAsync(request, control, cancellationToken).ConfigureAwait(false);
            }

            await control.StopAsync(cancellationToken).ConfigureAwait(false);
            if (Interlocked.Increment(ref gate._arrived) == gate._vms)
            {
                gate._allArrived.TrySetResult();
            }

            await gate._open.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            await control.ContAsync(cancellationToken).ConfigureAwait(false);
            return HostAck.Success(request.Seq);
        }
    }
}
