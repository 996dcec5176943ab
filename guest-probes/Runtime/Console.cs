namespace Rig.Guest;

/// <summary>
/// COM1 (0x3F8), the log and results channel (docs/protocol.md). One lock per line, so lines from different
/// vCPUs never interleave. A 16550 drops a byte written while its transmitter is busy (QEMU's does when the
/// host end of the chardev backs up: COM1 records were seen cut short on qemu-tcg), so the FIFO is enabled
/// and each 16-byte burst (one REP OUTSB) waits for THRE first (16550 data sheet: LSR bit 5, FCR bit 0).
/// Where no UART answers at 0x3F8 (an LSR of all ones: no device decodes the port, as on Xen PVH), the lines go to
/// Xen's PV console instead (<see cref="XenConsole"/>), unchanged.
/// </summary>
public static unsafe class Console
{
    public const ushort Com1 = 0x3F8;
    private const int FifoBytes = 16;
    private const ulong ThreWaitUs = 1_000_000;

    private static ulong lockWord;

    /// <summary>FCR: enable and clear both FIFOs; or, with no UART, Xen's PV console.</summary>
    internal static void Initialize()
    {
        if (Ports.In8(Com1 + 5) == 0xFF && XenConsole.Enable())
        {
            return;
        }
        Ports.Out8(Com1 + 2, 0x07);
    }

    public static void Write(ref Line line)
    {
        byte* storage = stackalloc byte[Line.Capacity];
        byte* bytes = line.Finish(storage, out int count);
        WriteBytes(bytes, count);
    }

    /// <summary>One finished line under the console lock (also COM2's requests, when they share the PV console).</summary>
    internal static void WriteBytes(byte* bytes, int count)
    {
        fixed (ulong* l = &lockWord)
        {
            SpinLock.Acquire(l);
            Send(bytes, count);
            SpinLock.Release(l);
        }
    }

    /// <summary>A line that must get out even when the lock holder was the one that faulted.</summary>
    internal static void WriteUnlocked(ref Line line)
    {
        byte* storage = stackalloc byte[Line.Capacity];
        byte* bytes = line.Finish(storage, out int count);
        Send(bytes, count);
    }

    /// <summary>Bounded wait: a host that stops reading COM1 costs the probe its log, never its run.</summary>
    private static void Send(byte* bytes, int count)
    {
        if (XenConsole.Active)
        {
            XenConsole.Write(bytes, count);
            return;
        }
        for (int sent = 0; sent < count; sent += FifoBytes)
        {
            ulong deadline = Tsc.Deadline(ThreWaitUs);
            while ((Ports.In8(Com1 + 5) & 0x20) == 0 && Tsc.Now < deadline)
            {
                Cpu.Pause();
            }
            Ports.OutString8(Com1, bytes + sent, count - sent < FifoBytes ? count - sent : FifoBytes);
        }
    }

    /// <summary>
    /// Waits, bounded, until the UART has sent everything written (LSR bit 6, TEMT: FIFO and shift register empty, 16550
    /// data sheet). The exit through port 0xF4 ends QEMU at once, and what its 16550 still held ended with it: the last
    /// line of time.density's VMs on qemu-tcg lost its last 2 and 10 bytes in 2 of 3 runs.
    /// </summary>
    public static void Drain()
    {
        if (XenConsole.Active)
        {
            return;
        }
        ulong deadline = Tsc.Deadline(ThreWaitUs);
        while ((Ports.In8(Com1 + 5) & 0x40) == 0 && Tsc.Now < deadline)
        {
            Cpu.Pause();
        }
    }

    public static void WriteLine(string text)
    {
        Line line = default;
        line.Text(text);
        Write(ref line);
    }
}
