using System.Diagnostics;
using Rig.Hypervisor.Irq;

namespace Rig.Bench.Hypervisor;

/// <summary>
/// How late rig-hv's timer thread runs a callback after its deadline (host ns): a 500 µs periodic timer re-armed from
/// its own deadline, as the LAPIC and PIT do, and 100 µs one-shots armed from another thread, as a vCPU's
/// initial-count write does. Issue 12 asks for sub-millisecond timers kept within tens of µs.
/// </summary>
internal static class TimerQueueAccuracy
{
    public static void Print(int ticks)
    {
        var clock = new HostMonotonicClock();
        using var queue = new TimerQueue(clock);
        Report("periodic 500 µs", Periodic(queue, clock, ticks, 500_000));
        Report("one-shot 100 µs", OneShots(queue, clock, ticks / 4, 100_000));
        Console.WriteLine($"timer thread real-time (SCHED_FIFO): {queue.RealTime}");
    }

    private static List<double> Periodic(TimerQueue queue, HostMonotonicClock clock, int ticks, long periodNs)
    {
        var lateUs = new List<double>(ticks);
        using var done = new ManualResetEventSlim();
        TimerQueue.Timer? timer = null;
        timer = queue.Create(deadline =>
        {
            lateUs.Add((clock.NowNs - deadline) / 1000.0);
            if (lateUs.Count < ticks)
            {
                timer!.Arm(deadline + periodNs);
            }
            else
            {
                done.Set();
            }
        });
        timer.Arm(clock.NowNs + periodNs);
        done.Wait();
        return lateUs;
    }

    private static List<double> OneShots(TimerQueue queue, HostMonotonicClock clock, int count, long delayNs)
    {
        var lateUs = new List<double>(count);
        using var fired = new AutoResetEvent(false);
        var timer = queue.Create(deadline =>
        {
            lateUs.Add((clock.NowNs - deadline) / 1000.0);
            fired.Set();
        });
        for (int i = 0; i < count; i++)
        {
            timer.Arm(clock.NowNs + delayNs);
            fired.WaitOne();
        }

        return lateUs;
    }

    private static void Report(string what, List<double> lateUs)
    {
        lateUs.Sort();
        double At(double q) => lateUs[(int)Math.Min(lateUs.Count - 1, q * lateUs.Count)];
        Console.WriteLine($"timer queue, {what}: {lateUs.Count} expiries, lateness after the deadline (µs) min {At(0):F0} " +
                          $"median {At(0.5):F0} p90 {At(0.9):F0} p99 {At(0.99):F0} max {At(1):F0}");
    }

    private sealed class HostMonotonicClock : IGuestClock
    {
        public long NowNs => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

        public ulong TscHz => 1_000_000_000;

        public ulong GuestTsc(int vcpu) => (ulong)NowNs;
    }
}
