namespace Rig.Guest;

/// <summary>
/// TSC calibration against the 8254 PIT channel 2 (1.193182 MHz), gated through port 0x61 as PC firmware
/// does: mode 0 counts down once and raises OUT2, visible as bit 5 of port 0x61.
/// </summary>
public static class Pit
{
    public const ulong Frequency = 1_193_182;
    private const ushort Ticks = 11_932; // 10 ms

    /// <summary>Returns the TSC frequency in Hz, or 0 when OUT2 never went high (no PIT) or rose at once.</summary>
    public static ulong CalibrateTsc()
    {
        byte control = Ports.In8(0x61);
        Ports.Out8(0x61, (byte)((control & ~0x02) | 0x01));
        Ports.Out8(0x43, 0xB0); // channel 2, lobyte/hibyte, mode 0, binary
        Ports.Out8(0x42, (byte)(Ticks & 0xFF));
        Ports.Out8(0x42, (byte)(Ticks >> 8));
        ulong start = Native.Rdtsc();
        ulong end = start;
        // Bounded by iterations, not time: time is what is being calibrated.
        for (int i = 0; i < 50_000_000 && (Ports.In8(0x61) & 0x20) == 0; i++)
        {
            end = Native.Rdtsc();
        }
        Ports.Out8(0x61, control);
        ulong elapsed = end - start;
        return elapsed < 1000 ? 0 : elapsed * Frequency / Ticks;
    }
}
