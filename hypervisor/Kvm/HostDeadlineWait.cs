using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Sleeps until an absolute CLOCK_MONOTONIC deadline with the kernel's hrtimer resolution, and can be woken early from
/// another thread. A timerfd armed with TFD_TIMER_ABSTIME carries the deadline (no rounding to milliseconds as
/// Monitor.Wait has, no drift from relative sleeps); an eventfd carries the wake-up, and being a counter it is not lost
/// when <see cref="Wake"/> comes before the wait starts (timerfd_create(2), eventfd(2), poll(2)).
/// </summary>
public sealed unsafe class HostDeadlineWait : IDisposable
{
    private readonly int _timer;
    private readonly int _wake;
    private bool _disposed;

    public HostDeadlineWait()
    {
        _timer = Check(LibcGaps.TimerfdCreate(LibcGaps.ClockMonotonic, LibC.O_CLOEXEC), "timerfd_create"); // TFD_CLOEXEC = O_CLOEXEC
        _wake = Check(LibC.eventfd(0, LibC.EFD_CLOEXEC), "eventfd");
    }

    /// <summary>Blocks until CLOCK_MONOTONIC reaches <paramref name="deadlineNs"/> (long.MaxValue: no deadline) or <see cref="Wake"/>.</summary>
    public void WaitUntil(long deadlineNs)
    {
        long* spec = stackalloc long[4];
        LibcGaps.OneShotAt(deadlineNs, spec);
        Check(LibcGaps.TimerfdSettime(_timer, LibcGaps.TimerAbsolute, spec, null), "timerfd_settime");
        var fds = stackalloc pollfd[2];
        fds[0] = new pollfd { fd = _timer, events = LibC.POLLIN };
        fds[1] = new pollfd { fd = _wake, events = LibC.POLLIN };
        if (LibC.poll(fds, 2, -1) < 0)
        {
            // Tmds.LibC imports poll without SetLastError, so LibC.errno would be stale: read errno itself, at once.
            int errno = Marshal.GetLastSystemError();
            if (errno != LibC.EINTR)
            {
                throw KvmException.FromErrno("poll", errno);
            }
        }

        ulong count;
        if ((fds[0].revents & LibC.POLLIN) != 0)
        {
            LibC.read(_timer, &count, 8);
        }

        if ((fds[1].revents & LibC.POLLIN) != 0)
        {
            LibC.read(_wake, &count, 8);
        }
    }

    /// <summary>Ends the current or the next <see cref="WaitUntil"/> now.</summary>
    public void Wake()
    {
        ulong one = 1;
        LibC.write(_wake, &one, 8);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        LibC.close(_timer);
        LibC.close(_wake);
    }

    private static int Check(int result, string call) => result >= 0 ? result : throw KvmException.FromErrno(call);
}
