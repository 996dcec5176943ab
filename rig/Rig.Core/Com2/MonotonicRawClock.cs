using System.Runtime.InteropServices;

namespace Rig.Com2;

/// <summary>
/// The host's CLOCK_MONOTONIC_RAW, which NTP does not slew: the reference a probe's clocks are compared with
/// (the <c>host-time</c> action). .NET's Stopwatch reads CLOCK_MONOTONIC, which is slewed.
/// </summary>
public static partial class MonotonicRawClock
{
    private const int ClockMonotonicRaw = 4; // linux/time.h

    public static long NowNs()
    {
        if (clock_gettime(ClockMonotonicRaw, out var ts) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_MONOTONIC_RAW) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }

    // Hand-written: Tmds.LibC 0.5.0 binds no clock_gettime (nor any CLOCK_* id).
    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out TimeSpec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
