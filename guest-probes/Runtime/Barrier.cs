namespace Rig.Guest;

/// <summary>A sense-counting barrier across vCPUs in shared memory (allocate it with <see cref="Create"/>).</summary>
public unsafe struct Barrier
{
    private ulong arrived;
    private ulong generation;
    private ulong parties;

    public static Barrier* Create(int parties)
    {
        var barrier = (Barrier*)Heap.Allocate((ulong)sizeof(Barrier));
        barrier->parties = (ulong)parties;
        return barrier;
    }

    /// <summary>Waits for all parties; false if the timeout passed first (a vCPU never came).</summary>
    public static bool Wait(Barrier* barrier, ulong timeoutMicroseconds)
    {
        ulong generation = Atomic.Load(&barrier->generation);
        if (Atomic.FetchAdd(&barrier->arrived, 1) == barrier->parties - 1)
        {
            Atomic.Exchange(&barrier->arrived, 0);
            Atomic.FetchAdd(&barrier->generation, 1);
            return true;
        }
        ulong deadline = Tsc.Deadline(timeoutMicroseconds);
        while (Atomic.Load(&barrier->generation) == generation)
        {
            if (Tsc.Now > deadline)
            {
                return false;
            }
            Cpu.Pause();
        }
        return true;
    }
}
