using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Irq;

public sealed class TimerQueueTests
{
    [Fact]
    public void Due_timers_fire_in_deadline_order_with_their_deadline()
    {
        var clock = new FakeGuestClock();
        using var queue = new TimerQueue(clock, background: false);
        var fired = new List<(string Name, long Deadline)>();
        var late = queue.Create(d => fired.Add(("late", d)));
        var early = queue.Create(d => fired.Add(("early", d)));
        var future = queue.Create(d => fired.Add(("future", d)));
        long t0 = clock.NowNs;
        late.Arm(t0 + 200);
        early.Arm(t0 + 100);
        future.Arm(t0 + 1_000);

        clock.Advance(500);
        Assert.Equal(2, queue.RunDue());
        Assert.Equal([("early", t0 + 100), ("late", t0 + 200)], fired);
        Assert.Equal(0, queue.RunDue());
    }

    [Fact]
    public void Disarmed_timer_does_not_fire_and_rearming_moves_the_deadline()
    {
        var clock = new FakeGuestClock();
        using var queue = new TimerQueue(clock, background: false);
        int fired = 0;
        var timer = queue.Create(_ => fired++);
        timer.Arm(clock.NowNs + 100);
        timer.Disarm();
        timer.Disarm();
        clock.Advance(200);
        queue.RunDue();
        Assert.Equal(0, fired);

        timer.Arm(clock.NowNs + 100);
        timer.Arm(clock.NowNs + 1_000);
        clock.Advance(500);
        queue.RunDue();
        Assert.Equal(0, fired);
        clock.Advance(500);
        queue.RunDue();
        Assert.Equal(1, fired);
    }

    [Fact]
    public async Task Background_thread_fires_a_timer_and_dispose_stops_it()
    {
        var clock = new MonotonicClock();
        using var fired = new ManualResetEventSlim();
        var queue = new TimerQueue(clock);
        var timer = queue.Create(_ => fired.Set());
        timer.Arm(clock.NowNs + 2_000_000);
        Assert.True(fired.Wait(TimeSpan.FromSeconds(30)), "the timer thread never fired a 2 ms timer");

        await Task.Run(queue.Dispose).WaitAsync(TimeSpan.FromSeconds(30)); // throws TimeoutException if Dispose hangs
        Assert.Throws<ObjectDisposedException>(() => timer.Arm(clock.NowNs));
    }

    private sealed class MonotonicClock : IGuestClock
    {
        public long NowNs => (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency));

        public ulong TscHz => 1_000_000_000;

        public ulong GuestTsc(int vcpu) => (ulong)NowNs;
    }
}
