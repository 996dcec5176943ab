namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Sleeps until an absolute CLOCK_MONOTONIC deadline with the kernel's hrtimer resolution, and can be woken early from
/// another thread. A timerfd armed with TFD_TIMER_ABSTIME carries the deadline (no rounding to milliseconds as
/// Monitor.Wait has, no drift from relative sleeps); an eventfd carries the wake-up, and being a counter it is not lost
/// when <see cref="Wake"/> comes before the wait starts (timerfd_create(2), eventfd(2), poll(2)).
/// </summary>
public sealed unsafe class HostDeadlineWait : IDisposable
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsolute = 1; // TFD_TIMER_ABSTIME
    private const int CloseOnExec = 0x80000; // TFD_CLOEXEC = EFD_CLOEXEC = O_CLOEXEC
    private const short PollIn = 1;

    private readonly int _timer;
    private readonly int _wake;
    private bool _disposed;

    public HostDeadlineWait()
    {
        _timer = Check(Libc.TimerfdCreate(ClockMonotonic, CloseOnExec), "timerfd_create");
        _wake = Check(Libc.Eventfd(0, CloseOnExec), "eventfd");
    }

    /// <summary>Blocks until CLOCK_MONOTONIC reaches <paramref name="deadlineNs"/> (long.MaxValue: no deadline) or <see cref="Wake"/>.</summary>
    public void WaitUntil(long deadlineNs)
    {
        // it_value {0, 0} disarms: a deadline already past is made 1 ns so that it fires at once.
        long at = Math.Max(deadlineNs, 1);
        long* spec = stackalloc long[4] { 0, 0, deadlineNs == long.MaxValue ? 0 : at / 1_000_000_000, deadlineNs == long.MaxValue ? 0 : at % 1_000_000_000 };
        Check(Libc.TimerfdSettime(_timer, TimerAbsolute, spec, null), "timerfd_settime");
        var fds = stackalloc Libc.PollFd[2];
        fds[0] = new Libc.PollFd { Fd = _timer, Events = PollIn };
        fds[1] = new Libc.PollFd { Fd = _wake, Events = PollIn };
        if (Libc.Poll(fds, 2, -1) < 0 && Libc.LastError != Libc.EIntr)
        {
            throw KvmException.FromErrno("poll");
        }

        ulong count;
        if ((fds[0].Returned & PollIn) != 0)
        {
            Libc.Read(_timer, &count, 8);
        }

        if ((fds[1].Returned & PollIn) != 0)
        {
            Libc.Read(_wake, &count, 8);
        }
    }

    /// <summary>Ends the current or the next <see cref="WaitUntil"/> now.</summary>
    public void Wake()
    {
        ulong one = 1;
        Libc.Write(_wake, &one, 8);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Libc.Close(_timer);
        Libc.Close(_wake);
    }

    private static int Check(int result, string call) => result >= 0 ? result : throw KvmException.FromErrno(call);
}
