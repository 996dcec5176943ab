using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

public sealed class CalibrationTimerTests
{
    private readonly FakeGuestTsc _tsc = new(1, 1_000_000_000);

    [Fact]
    public void Calibrate_now_runs_a_rendezvous_on_the_spot()
    {
        var clock = NewClock();
        using var timer = new CalibrationTimer(clock, TimeSpan.FromHours(1));

        timer.CalibrateNow();

        Assert.Equal(1, clock.CalibrationCount);
    }

    [Fact]
    public void The_timer_keeps_calibrating_at_its_period()
    {
        var clock = NewClock();
        using var timer = new CalibrationTimer(clock, TimeSpan.FromHours(1));

        timer.SetPeriod(TimeSpan.FromMilliseconds(5));

        // Progress, not timing: a few rendezvous must happen, however loaded the machine (generous deadline).
        Assert.True(SpinWait.SpinUntil(() => clock.CalibrationCount >= 3, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromMilliseconds(5), timer.Period);
    }

    [Fact]
    public void The_timer_calibrates_only_once_started()
    {
        var clock = NewClock();
        using var timer = new CalibrationTimer(clock, CalibrationTimer.MinimumPeriod);

        Thread.Sleep(100);
        Assert.Equal(0, clock.CalibrationCount);

        timer.Start();
        Assert.True(SpinWait.SpinUntil(() => clock.CalibrationCount >= 3, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void A_period_below_a_millisecond_is_refused()
    {
        var clock = NewClock();
        using var timer = new CalibrationTimer(clock, TimeSpan.FromHours(1));

        Assert.Throws<ArgumentOutOfRangeException>(() => timer.SetPeriod(TimeSpan.FromMicroseconds(10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CalibrationTimer(clock, TimeSpan.Zero));
    }

    [Fact]
    public void After_dispose_no_calibration_can_be_forced()
    {
        var timer = new CalibrationTimer(NewClock(), TimeSpan.FromHours(1));
        timer.Dispose();

        Assert.Throws<ObjectDisposedException>(timer.CalibrateNow);
        Assert.Throws<ObjectDisposedException>(() => timer.SetPeriod(TimeSpan.FromSeconds(1)));
    }

    private XenClock NewClock() => new(_tsc, new FakeHostClock(), 1, DefectSet.None, tscStable: true, (_, _) => { });
}
