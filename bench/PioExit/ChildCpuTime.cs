using System.Runtime.InteropServices;

namespace Rig.Bench.PioExit;

/// <summary>
/// CPU time (user + system) used by this process's children that have been waited for, from getrusage(RUSAGE_CHILDREN)
/// (getrusage(2)). On a machine shared by many busy processes, wall time mostly measures the queue for a core; the
/// difference of this figure around one child's run is what the child itself consumed.
/// </summary>
internal static partial class ChildCpuTime
{
    private const int RusageChildren = -1;

    /// <summary>struct rusage on x86-64 Linux: two struct timeval (seconds, microseconds as longs), then 14 longs.</summary>
    private const int RusageLongs = 18;

    public static unsafe TimeSpan Read()
    {
        long* usage = stackalloc long[RusageLongs];
        if (getrusage(RusageChildren, usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        long microseconds = (usage[0] * 1_000_000) + usage[1] + (usage[2] * 1_000_000) + usage[3];
        return TimeSpan.FromMicroseconds(microseconds);
    }

    // Hand-written: Tmds.LibC 0.5.0 binds no getrusage (nor struct rusage).
    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int getrusage(int who, long* usage);
}
