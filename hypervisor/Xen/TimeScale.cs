namespace Rig.Hypervisor.Xen;

/// <summary>
/// Xen's <c>struct time_scale</c>: a tick count becomes nanoseconds as ((ticks &lt;&lt; Shift) * MulFrac) &gt;&gt; 32, where
/// MulFrac is a 32-bit binary fraction. The same pair is what a guest finds in vcpu_time_info as tsc_shift and
/// tsc_to_system_mul (xen/include/public/xen.h, "Current system time" formula).
/// </summary>
public readonly record struct TimeScale(uint MulFrac, sbyte Shift)
{
    private const ulong NanosecondsPerSecond = 1_000_000_000;

    /// <summary>
    /// The scale that turns ticks of a counter running at <paramref name="ticksPerSecond"/> into nanoseconds, chosen the
    /// way Xen's set_time_scale() (xen/arch/x86/time.c) does: normalise the frequency into (1e9, 2e9] by halving or
    /// doubling, count those steps in the shift, then MulFrac = 1e9 / normalised frequency as a 32-bit fraction.
    /// </summary>
    public static TimeScale FromFrequency(ulong ticksPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfZero(ticksPerSecond);
        ulong normalised = ticksPerSecond;
        int shift = 0;
        while (normalised > NanosecondsPerSecond * 2)
        {
            normalised >>= 1;
            shift--;
        }

        // Xen does this loop on a 32-bit copy; the value already fits because it is at most 2e9 here.
        while (normalised <= NanosecondsPerSecond)
        {
            normalised <<= 1;
            shift++;
        }

        // div_frac(1e9, f): the quotient of (1e9 << 32) / f fits 32 bits because 1e9 < f.
        uint mulFrac = (uint)((NanosecondsPerSecond << 32) / normalised);
        return new TimeScale(mulFrac, (sbyte)shift);
    }

    /// <summary>
    /// Xen's scale_delta(): shift the 64-bit delta, multiply by the 32-bit fraction into a 96-bit product and keep bits
    /// 32..95, truncated to 64 bits exactly as the <c>mulq; shrd $32</c> sequence does. The delta is unsigned by
    /// contract: a "negative" delta arrives as a huge number and comes out as a huge time (seed 000).
    /// </summary>
    public ulong ScaleDelta(ulong delta)
    {
        ulong shifted = Shift < 0 ? delta >> -Shift : delta << Shift;
        UInt128 product = (UInt128)shifted * MulFrac;
        return (ulong)(product >> 32);
    }
}
