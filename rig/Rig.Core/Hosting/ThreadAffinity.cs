using System.Runtime.InteropServices;

namespace Rig.Hosting;

/// <summary>
/// sched_setaffinity(2) on any thread of the host by its id: how the rig migrates a VMM's vCPU threads between host
/// CPUs (the thread ids come from QMP query-cpus-fast). A thread that has exited is reported, not thrown.
/// </summary>
public static unsafe partial class ThreadAffinity
{
    private const int ESrch = 3;
    private const int MaskBytes = 128; // 1024 CPUs, glibc's cpu_set_t

    /// <summary>The host CPUs this process may run on (its own affinity mask): the CPUs the rig can move threads to.</summary>
    public static IReadOnlyList<int> AllowedCpus()
    {
        byte* mask = stackalloc byte[MaskBytes];
        if (sched_getaffinity(0, MaskBytes, mask) < 0)
        {
            throw new InvalidOperationException($"sched_getaffinity failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var cpus = new List<int>();
        for (int cpu = 0; cpu < MaskBytes * 8; cpu++)
        {
            if ((mask[cpu / 8] >> (cpu % 8) & 1) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    /// <summary>Pins thread <paramref name="threadId"/> to the one host CPU <paramref name="cpu"/>; false if the thread no longer exists.</summary>
    public static bool Pin(int threadId, int cpu)
    {
        if ((uint)cpu >= MaskBytes * 8)
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), $"host CPU {cpu} is beyond the {MaskBytes * 8} a mask holds");
        }

        byte* mask = stackalloc byte[MaskBytes];
        new Span<byte>(mask, MaskBytes).Clear();
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        if (sched_setaffinity(threadId, MaskBytes, mask) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == ESrch
            ? false
            : throw new InvalidOperationException($"sched_setaffinity({threadId}, CPU {cpu}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Restricts the calling thread to <paramref name="cpus"/>; processes it forks from then on inherit the mask.</summary>
    public static void PinCurrentThread(IReadOnlyCollection<int> cpus)
    {
        byte* mask = stackalloc byte[MaskBytes];
        new Span<byte>(mask, MaskBytes).Clear();
        foreach (var cpu in cpus)
        {
            if ((uint)cpu >= MaskBytes * 8)
            {
                throw new ArgumentOutOfRangeException(nameof(cpus), $"host CPU {cpu} is beyond the {MaskBytes * 8} a mask holds");
            }

            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }

        if (sched_setaffinity(0, MaskBytes, mask) < 0)
        {
            throw new InvalidOperationException($"sched_setaffinity(CPUs {string.Join(',', cpus)}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, byte* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, byte* mask);
}
