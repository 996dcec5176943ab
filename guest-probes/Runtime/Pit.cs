namespace Rig.Guest;

/// <summary>
/// TSC calibration against the 8254 PIT channel 0 (1.193182 MHz), read back with the counter-latch command
/// (8254 data sheet: control word 0x00 latches channel 0). Channel 0 rather than the port-0x61-gated channel 2
/// because microvm has no port 0x61. The PIC is masked, so IRQ0 from mode 2 goes nowhere.
/// </summary>
public static class Pit
{
    public const ulong Frequency = 1_193_182;
    private const uint Ticks = 11_932; // 10 ms

    /// <summary>Estimates taken; the lowest is kept.</summary>
    private const int Attempts = 5;

    /// <summary>
    /// Returns the TSC frequency in Hz, or 0 when the counter does not move (no PIT). A vCPU descheduled by a loaded host
    /// for more than the counter's 55 ms wrap between two reads counts whole wraps as nothing while the TSC ran on, and a
    /// delay after the last read adds TSC cycles too: every error makes an estimate too high, never too low. So the
    /// lowest of several estimates is kept (on qemu-tcg under the sched churn a single one came out several times too
    /// high, every TSC wait that much too long, and the survivor overran the rig's watchdog).
    /// </summary>
    public static ulong CalibrateTsc()
    {
        ulong lowest = 0;
        for (int i = 0; i < Attempts; i++)
        {
            ulong estimate = Estimate();
            if (estimate == 0)
            {
                return 0;
            }
            lowest = lowest == 0 || estimate < lowest ? estimate : lowest;
            HighestEstimate = estimate > HighestEstimate ? estimate : HighestEstimate;
        }
        InterfaceUse.Mark(TargetInterface.Pit);
        return lowest;
    }

    /// <summary>The highest estimate the last calibration discarded: how wrong a single one could have been.</summary>
    public static ulong HighestEstimate { get; private set; }

    private static ulong Estimate()
    {
        Ports.Out8(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2 (rate generator), binary
        Ports.Out8(0x40, 0xFF);
        Ports.Out8(0x40, 0xFF);
        ushort first = Read();
        ulong start = Native.Rdtsc();
        // Bounded by iterations, not time: time is what is being calibrated. Each pass is far shorter than
        // the 55 ms wrap of the 16-bit counter, so the unsigned difference is the elapsed count.
        for (int i = 0; i < 10_000_000; i++)
        {
            uint elapsed = (ushort)(first - Read());
            if (elapsed >= Ticks)
            {
                return (Native.Rdtsc() - start) * Frequency / elapsed;
            }
        }
        return 0;
    }

    private static ushort Read()
    {
        Ports.Out8(0x43, 0x00);
        byte low = Ports.In8(0x40);
        byte high = Ports.In8(0x40);
        return (ushort)(low | high << 8);
    }
}
