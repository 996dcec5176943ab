using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>
/// The libc calls the VMM needs that Tmds.LibC 0.5.0 does not bind (checked against its LibC class), and open(2) with a
/// .NET string path: everything else goes through <c>Tmds.Linux.LibC</c>. Errors: -1 and errno, read with
/// <c>LibC.errno</c> as for Tmds.LibC's own calls.
/// </summary>
internal static unsafe partial class LibcGaps
{
    /// <summary>CLOCK_MONOTONIC (linux/time.h); Tmds.LibC 0.5.0 has no CLOCK_* (nor timerfd, nor POSIX timers).</summary>
    public const int ClockMonotonic = 1;

    /// <summary>TIMER_ABSTIME for timer_settime, and TFD_TIMER_ABSTIME for timerfd_settime: both 1.</summary>
    public const int TimerAbsolute = 1;

    /// <summary>
    /// Fills a struct itimerspec (four longs) for a one-shot expiry at absolute CLOCK_MONOTONIC <paramref name="deadlineNs"/>;
    /// long.MaxValue disarms ({0, 0}), and a deadline already past is made 1 ns so that it fires at once.
    /// </summary>
    public static void OneShotAt(long deadlineNs, long* spec)
    {
        long at = deadlineNs == long.MaxValue ? 0 : Math.Max(deadlineNs, 1);
        spec[0] = 0;
        spec[1] = 0;
        spec[2] = at / 1_000_000_000;
        spec[3] = at % 1_000_000_000;
    }

    /// <summary>open(2) of <paramref name="path"/> (Tmds.LibC's open takes a NUL-terminated UTF-8 byte*).</summary>
    public static int Open(string path, int flags, mode_t mode = default)
    {
        byte* bytes = Utf8StringMarshaller.ConvertToUnmanaged(path);
        try
        {
            return LibC.open(bytes, flags, mode);
        }
        finally
        {
            // free(3) may change errno, but LibC.errno is the value open's import captured.
            Utf8StringMarshaller.Free(bytes);
        }
    }

    /// <summary>pthread_self(3), as the integer glibc's pthread_t is; not in Tmds.LibC, whose pthread_t has no public constructor.</summary>
    [LibraryImport("libc", EntryPoint = "pthread_self")]
    public static partial nuint PthreadSelf();

    /// <summary>gettid(2): the kernel's id of the calling thread (.NET exposes only managed thread ids).</summary>
    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int Gettid();

    /// <summary>sched_getcpu(3): the CPU the calling thread runs on now (glibc reads it from rseq, no system call).</summary>
    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    public static partial int SchedGetcpu();

    /// <summary>sched_setscheduler(2). <paramref name="param"/>: struct sched_param, one int (the priority). pid 0 is the calling thread.</summary>
    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    public static partial int SchedSetscheduler(int pid, int policy, int* param);

    /// <summary>timerfd_create(2).</summary>
    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    public static partial int TimerfdCreate(int clock, int flags);

    /// <summary>timerfd_settime(2). <paramref name="spec"/>: struct itimerspec, four longs (interval sec, ns; value sec, ns).</summary>
    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    public static partial int TimerfdSettime(int fd, int flags, long* spec, long* oldSpec);

    /// <summary>
    /// timer_create(2). <paramref name="sigevent"/>: struct sigevent, 64 bytes (sigev_value at 0, sigev_signo at 8,
    /// sigev_notify at 12, sigev_notify_thread_id at 16); <paramref name="timer"/> receives glibc's pointer-sized timer_t.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "timer_create", SetLastError = true)]
    public static partial int TimerCreate(int clock, void* sigevent, nint* timer);

    /// <summary>timer_settime(2). <paramref name="spec"/>: struct itimerspec, as for <see cref="TimerfdSettime"/>.</summary>
    [LibraryImport("libc", EntryPoint = "timer_settime", SetLastError = true)]
    public static partial int TimerSettime(nint timer, int flags, long* spec, long* oldSpec);

    /// <summary>timer_delete(2); a signal of the timer still pending is discarded with it.</summary>
    [LibraryImport("libc", EntryPoint = "timer_delete", SetLastError = true)]
    public static partial int TimerDelete(nint timer);
}
