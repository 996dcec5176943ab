namespace Rig.Hypervisor.Vm;

/// <summary>Fires once when a VM has run for longer than its wall-clock limit, so a hung guest is never left behind.</summary>
public sealed class Watchdog(TimeSpan limit, Action expired) : IDisposable
{
    private Timer? _timer;

    public void Start() => _timer = new Timer(_ => expired(), null, limit, Timeout.InfiniteTimeSpan);

    public void Dispose() => _timer?.Dispose();
}
