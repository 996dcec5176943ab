namespace Rig.Hypervisor.Vm;

/// <summary>
/// The park protocol: a VM-wide operation (stop, reset, snapshot) raises a park request, rings every vCPU, and waits
/// until each vCPU thread has parked at the top of its run loop, outside KVM_RUN; then it acts on the quiescent state
/// and releases the request. A pause holds one request for as long as it lasts. The VM ending releases everybody.
/// </summary>
internal sealed class VcpuParking(Action ringAll)
{
    private int _requests;
    private int _parked;
    private int _alive;
    private bool _paused;
    private volatile bool _ending;
    private long _stateEpoch;

    /// <summary>The lock vCPU threads wait on, parked or halted; pulsed on every change of the protocol's state.</summary>
    public object Sync { get; } = new();

    public bool Requested => Volatile.Read(ref _requests) > 0 || _ending;

    public bool Ending => _ending;

    /// <summary>How many VM-wide register changes (reset, revert) have happened; a frame left before one is obsolete.</summary>
    public long StateEpoch => Volatile.Read(ref _stateEpoch);

    public void NoteStateChange() => Interlocked.Increment(ref _stateEpoch);

    public void Started(int threads) => _alive = threads;

    /// <summary>
    /// A vCPU thread calls this at the top of every loop; it blocks while a VM-wide operation needs the vCPUs still, after
    /// running <paramref name="beforeParking"/> on that thread (finishing the last exit's instruction). False: the VM is ending.
    /// </summary>
    public bool ParkIfRequested(Action beforeParking)
    {
        if (!Requested)
        {
            return true;
        }

        beforeParking();

        lock (Sync)
        {
            _parked++;
            Monitor.PulseAll(Sync);
            while (_requests > 0 && !_ending)
            {
                Monitor.Wait(Sync);
            }

            _parked--;
            return !_ending;
        }
    }

    public void ThreadExited()
    {
        lock (Sync)
        {
            _alive--;
            Monitor.PulseAll(Sync);
        }
    }

    /// <summary>Raises a request without waiting: a vCPU asking for a reset stops itself before the control thread acts.</summary>
    public void Request()
    {
        lock (Sync)
        {
            _requests++;
        }
    }

    public void Release()
    {
        lock (Sync)
        {
            _requests--;
            Monitor.PulseAll(Sync);
        }
    }

    /// <summary>Waits until every live vCPU thread has parked (or the VM ends); a request must be held.</summary>
    public void WaitUntilParked()
    {
        ringAll();
        lock (Sync)
        {
            while (_parked < _alive && !_ending)
            {
                Monitor.Wait(Sync);
            }
        }
    }

    public void WithAllParked(Action action)
    {
        Request();
        try
        {
            WaitUntilParked();
            action();
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Paused from the start (rig-hv -S): called before any vCPU thread exists, so there is no one to ring.</summary>
    public void PauseBeforeStart()
    {
        lock (Sync)
        {
            _paused = true;
            _requests++;
        }
    }

    /// <summary>Holds (or releases) one request for as long as the VM is paused; false if already in that state.</summary>
    public bool SetPaused(bool paused)
    {
        lock (Sync)
        {
            if (_paused == paused)
            {
                return false;
            }

            _paused = paused;
            _requests += paused ? 1 : -1;
            Monitor.PulseAll(Sync);
        }

        ringAll();
        return true;
    }

    /// <summary>The VM ends: every parked or waiting vCPU thread is let go, and none parks again.</summary>
    public void End()
    {
        _ending = true;
        lock (Sync)
        {
            Monitor.PulseAll(Sync);
        }

        ringAll();
    }
}
