using Rig.Suites.Time.Oracles;

namespace Rig.Suites.Tests.Time;

public class ClockStepsTests
{
    [Fact]
    public void A_clean_trace_has_no_backward_step()
    {
        var s = ClockSteps.Analyze(Enumerable.Range(0, 10_000).Select(i => 1_000_000UL + (ulong)i * 49).ToArray());
        Assert.Equal(0, s.BackwardSteps);
        Assert.Equal(49UL, s.MaxForward);
        Assert.Equal(49UL, s.MedianStep);
    }

    [Fact]
    public void One_backward_step_is_found_with_its_place_and_size()
    {
        ulong[] t = [100, 200, 300, 290, 400];
        var s = ClockSteps.Analyze(t);
        Assert.Equal(1, s.BackwardSteps);
        Assert.Equal(10, s.WorstBackward);
        Assert.Equal(3, s.WorstBackwardAt);
    }

    [Fact]
    public void A_seed_000_jump_shows_as_the_largest_forward_step()
    {
        // A negative delta of 1000 ticks scaled as unsigned: about 2^64 ticks forward.
        ulong[] t = [100, 200, unchecked(200UL - 1000UL), 300];
        var s = ClockSteps.Analyze(t);
        Assert.Equal(2, s.MaxForwardAt);
        Assert.True(s.MaxForward > 1UL << 63);
        Assert.Equal(1, s.BackwardSteps);
    }

    [Fact]
    public void Empty_and_single_traces_have_no_steps()
    {
        Assert.Equal(0, ClockSteps.Analyze([]).BackwardSteps);
        Assert.Equal(0UL, ClockSteps.Analyze([5]).MaxForward);
    }
}
