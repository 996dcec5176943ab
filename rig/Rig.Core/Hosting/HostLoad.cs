namespace Rig.Suites.Time;

/// <summary>
/// Busy host threads for as long as a case runs: pvclock updates and vCPU scheduling are what host load disturbs, so
/// pvclock-monotonic is judged under it. One spinning thread per host CPU, competing with the VM's vCPU threads.
/// </summary>
internal sealed class HostLoad : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;

    public HostLoad()
    {
        _threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(Spin) { IsBackground = true })];
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
