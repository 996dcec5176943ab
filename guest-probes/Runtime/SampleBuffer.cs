namespace Rig.Guest;

/// <summary>
/// Bulk samples (e.g. millions of RDTSC readings) kept in guest RAM from the runtime's sample area to the end
/// of the RAM range that holds it (hvm_start_info memory map), read out by the host (pmemsave or directly),
/// never pushed through a UART.
/// </summary>
public static unsafe class SampleBuffer
{
    private const uint RamType = 1;

    public static ulong* Base => (ulong*)Runtime.Boot->SampleBase;

    /// <summary>Bytes available; 0 when the start info has no memory map (version 0) to prove the RAM is there.</summary>
    public static ulong CapacityBytes
    {
        get
        {
            StartInfo* info = Runtime.StartInfo;
            if (info == null || info->Version < 1 || info->MemoryMapPaddr == 0)
            {
                return 0;
            }
            ulong start = Runtime.Boot->SampleBase;
            var map = (MemoryMapEntry*)info->MemoryMapPaddr;
            for (uint i = 0; i < info->MemoryMapEntries && i < 128; i++)
            {
                if (map[i].Type == RamType && map[i].Address <= start && start < map[i].Address + map[i].Size)
                {
                    return map[i].Address + map[i].Size - start;
                }
            }
            return 0;
        }
    }

    /// <summary>Announces <paramref name="count"/> 8-byte samples at <see cref="Base"/> with a `RIG sample-buffer` record.</summary>
    public static void Publish(string caseName, ulong count, string kind) =>
        Report.SampleBuffer(caseName, (ulong)Base, count * 8, kind, 8);
}
