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

    /// <summary>sched_setscheduler(2). <paramref name="param"/>: struct sched_param, one int (the priority). pid 0 is the calling thread.</summary>
    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    public static partial int SchedSetscheduler(int pid, int policy, int* param);

    /// <summary>timerfd_create(2).</summary>
    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    public static partial int TimerfdCreate(int clock, int flags);

    /// <summary>timerfd_settime(2). <paramref name="spec"/>: struct itimerspec, four longs (interval sec, ns; value sec, ns).</summary>
    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    public static partial int TimerfdSettime(int fd, int flags, long* spec, long* oldSpec);
}
