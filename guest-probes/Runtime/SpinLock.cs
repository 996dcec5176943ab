namespace Rig.Guest;

/// <summary>Test-and-test-and-set lock on one quadword; PAUSE in the wait (SDM 11.4.2 / 9.10.6.1 spin-wait loops).</summary>
public static unsafe class SpinLock
{
    public static void Acquire(ulong* word)
    {
        while (Native.Exchange64(word, 1) != 0)
        {
            while (Native.Load64(word) != 0)
            {
                Native.Pause();
            }
        }
    }

    public static void Release(ulong* word) => Native.Exchange64(word, 0);
}
