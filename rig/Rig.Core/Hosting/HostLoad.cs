namespace Rig.Hosting;

/// <summary>
/// Busy host threads for as long as a case runs: pvclock updates and vCPU scheduling are what host load disturbs, so
/// pvclock-monotonic and density are judged under it (<see cref="Targets.IVm.LoadHostAsync"/>), and suites/sched's host
/// churn adds it. By default one spinning thread per host CPU, competing with the VMs' vCPU threads.
/// </summary>
public sealed class HostLoad : IDisposable, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;

    public HostLoad()
        : this(Environment.ProcessorCount)
    {
    }

    public HostLoad(int threads)
    {
        _threads = [.. Enumerable.Range(0, threads).Select(_ => new Thread(Spin) { IsBackground = true })];
        foreach (var t in _threads)
        {
            t.Start();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var t in _threads)
        {
            t.Join();
        }

        _stop.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Spin()
    {
        ulong x = 1;
        while (!_stop.IsCancellationRequested)
        {
            for (int i = 0; i < 100_000; i++)
            {
                x = (x * 6364136223846793005) + 1442695040888963407;
            }
        }

        GC.KeepAlive(x);
    }
}
