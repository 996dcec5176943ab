namespace Rig.Guest;

/// <summary>
/// COM1 (0x3F8), the log and results channel (docs/protocol.md). One lock and one REP OUTSB per line, so lines
/// from different vCPUs never interleave and a line costs one gate call at most. No THRE polling: every
/// target's UART is virtual and always ready.
/// </summary>
public static unsafe class Console
{
    public const ushort Com1 = 0x3F8;

    private static ulong lockWord;

    public static void Write(ref Line line)
    {
        byte* storage = stackalloc byte[Line.Capacity];
        byte* bytes = line.Finish(storage, out int count);
        fixed (ulong* l = &lockWord)
        {
            SpinLock.Acquire(l);
            Ports.OutString8(Com1, bytes, count);
            SpinLock.Release(l);
        }
    }

    /// <summary>A line that must get out even when the lock holder was the one that faulted.</summary>
    internal static void WriteUnlocked(ref Line line)
    {
        byte* storage = stackalloc byte[Line.Capacity];
        byte* bytes = line.Finish(storage, out int count);
        Ports.OutString8(Com1, bytes, count);
    }

    public static void WriteLine(string text)
    {
        Line line = default;
        line.Text(text);
        Write(ref line);
    }
}
