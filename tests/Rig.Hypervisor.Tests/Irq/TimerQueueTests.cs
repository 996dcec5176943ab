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
    public void Each_vcpu_is_rung_at_the_earliest_deadline_of_its_timers_and_platform_timers_ring_the_bsp()
    {
        var clock = new FakeGuestClock();
        var bsp = new CountingDoorbell();
        var ap = new CountingDoorbell();
        using var queue = new TimerQueue(clock, platformDoorbell: bsp, background: false);
        var bspLapic = queue.Create(_ => { }, bsp);
        var apLapic = queue.Create(_ => { }, ap);
        var pit = queue.Create(_ => { });
        long t0 = clock.NowNs;

        bspLapic.Arm(t0 + 300);
        pit.Arm(t0 + 200);
        apLapic.Arm(t0 + 500);
        Assert.Equal((t0 + 200, t0 + 500), (bsp.RingAtNs, ap.RingAtNs));

        clock.Advance(250);
        Assert.Equal(1, queue.RunDue());
        Assert.Equal(t0 + 300, bsp.RingAtNs); // the PIT fired: the BSP's next deadline is its LAPIC timer's

        apLapic.Disarm();
        Assert.Equal(long.MaxValue, ap.RingAtNs);
    }

    [Fact]
    public void Nothing_fires_before_the_earliest_deadline_even_after_an_earlier_one_was_disarmed()
    {
        var clock = new FakeGuestClock();
        using var queue = new TimerQueue(clock, background: false);
        var fired = new List<long>();
        var first = queue.Create(fired.Add);
        var second = queue.Create(fired.Add);
        long t0 = clock.NowNs;
        first.Arm(t0 + 100);
        second.Arm(t0 + 300);
        first.Disarm();

        clock.Advance(200);
        Assert.Equal(0, queue.RunDue());
        second.Arm(t0 + 150); // moved earlier than now: due at once
        Assert.Equal(1, queue.RunDue());
        Assert.Equal([t0 + 150], fired);
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

    [Fact]
    public void The_timer_thread_leaves_a_timer_to_its_vcpu_in_the_guest_for_a_while_and_serves_a_sleeping_vcpus_at_once()
    {
        var clock = new MonotonicClock();
        var inGuest = new CountingDoorbell();
        var asleep = new CountingDoorbell { Sleeping = true };
        using var queue = new TimerQueue(clock);
        long firedLateNs = -1;
        using var fired = new ManualResetEventSlim();
        using var firedAsleep = new ManualResetEventSlim();
        var vcpuTimer = queue.Create(deadline => { firedLateNs = clock.NowNs - deadline; fired.Set(); }, inGuest);
        var sleeperTimer = queue.Create(_ => firedAsleep.Set(), asleep);

        vcpuTimer.Arm(clock.NowNs + 1_000_000); // its vCPU never serves it: the timer thread must, but not before 200 µs late
        sleeperTimer.Arm(clock.NowNs + 1_000_000);

        Assert.True(fired.Wait(TimeSpan.FromSeconds(30)), "the timer thread never served an in-guest vCPU's timer");
        Assert.True(firedAsleep.Wait(TimeSpan.FromSeconds(30)), "the timer thread never served a sleeping vCPU's timer");
        Assert.True(firedLateNs >= 200_000, $"the timer thread took an in-guest vCPU's timer {firedLateNs / 1000} µs after its deadline");
    }

    private sealed class MonotonicClock : IGuestClock
    {
        public long NowNs => (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency));

        public ulong TscHz => 1_000_000_000;

        public ulong GuestTsc(int vcpu) => (ulong)NowNs;
    }
}
