using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>scale_delta and set_time_scale against values worked out by hand from xen/arch/x86/time.c.</summary>
public sealed class TimeScaleTests
{
    [Theory]
    [InlineData(0x8000_0000u, 0, 1000UL, 500UL)] // mul 1/2: halves
    [InlineData(0x8000_0000u, 1, 1000UL, 1000UL)] // << 1 then 1/2: identity
    [InlineData(0x8000_0000u, -1, 1001UL, 250UL)] // >> 1 drops the odd tick first, then 1/2
    [InlineData(0x4000_0000u, 3, 7UL, 14UL)] // 7 << 3 = 56, times 1/4
    [InlineData(0xFFFF_FFFFu, 0, ulong.MaxValue, 0xFFFF_FFFE_FFFF_FFFFUL)] // (2^64-1)(2^32-1) >> 32, bits 32..95
    public void Scale_delta_matches_hand_computed_values(uint mul, int shift, ulong delta, ulong expected)
    {
        Assert.Equal(expected, new TimeScale(mul, (sbyte)shift).ScaleDelta(delta));
    }

    [Fact]
    public void Scale_delta_keeps_the_product_bits_above_64_before_shifting_down()
    {
        // 2^40 ticks at mul 3/4: the 96-bit product is 3 * 2^70, which a 64-bit multiply would lose entirely.
        Assert.Equal(3UL << 38, new TimeScale(0xC000_0000, 0).ScaleDelta(1UL << 40));
    }

    [Fact]
    public void A_2446_MHz_tsc_is_halved_then_multiplied_by_1e9_over_1223e6()
    {
        // set_time_scale: 2.446e9 > 2e9, so one halving (shift -1) to 1.223e9; mul = floor(1e9 * 2^32 / 1.223e9).
        Assert.Equal(new TimeScale(3_511_829_350, -1), TimeScale.FromFrequency(2_446_000_000));
    }

    [Fact]
    public void A_1_GHz_tsc_is_one_nanosecond_per_tick()
    {
        // 1e9 is not above 1e9, so it is doubled once (shift 1) and mul is exactly one half.
        var scale = TimeScale.FromFrequency(1_000_000_000);
        Assert.Equal(new TimeScale(0x8000_0000, 1), scale);
        Assert.Equal(123_456_789UL, scale.ScaleDelta(123_456_789));
    }

    [Theory]
    [InlineData(1_193_182UL)] // PIT
    [InlineData(14_318_180UL)] // HPET
    [InlineData(999_999_999UL)]
    [InlineData(2_446_000_000UL)]
    [InlineData(3_900_000_000UL)]
    [InlineData(5_000_000_001UL)]
    public void One_second_of_ticks_scales_to_one_second_within_a_part_per_million(ulong hz)
    {
        ulong nanoseconds = TimeScale.FromFrequency(hz).ScaleDelta(hz);
        Assert.InRange(nanoseconds, 999_999_000UL, 1_000_000_000UL);
    }

    [Fact]
    public void A_zero_frequency_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeScale.FromFrequency(0));
    }
}
