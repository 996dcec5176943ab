namespace Rig.Guest;

/// <summary>
/// Bump allocation from the runtime's fixed heap region; nothing is ever freed (probes are short-lived and
/// the core library has no GC). Zeroed on allocation because a reset keeps RAM contents.
/// </summary>
public static unsafe class Heap
{
    private static ulong next;

    public static void* Allocate(ulong bytes)
    {
        BootInfo* boot = Runtime.Boot;
        ulong size = (bytes + 15) & ~15UL;
        ulong offset;
        fixed (ulong* cursor = &next)
        {
            offset = Atomic.FetchAdd(cursor, size);
        }
        ulong address = boot->HeapBase + offset;
        if (address + size > boot->HeapEnd)
        {
            Runtime.Fatal("heap exhausted");
        }
        byte* p = (byte*)address;
        for (ulong i = 0; i < size; i++)
        {
            p[i] = 0;
        }
        return p;
    }
}
