using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Rig.Hosting;

/// <summary>
/// sched_setaffinity(2) on any thread of the host by its id: how the rig migrates a VMM's vCPU threads between host
/// CPUs (the thread ids come from QMP query-cpus-fast). A thread that has exited is reported, not thrown.
/// The mask is glibc's cpu_set_t (CPU_SETSIZE = 1024 CPUs), through Tmds.LibC.
/// </summary>
public static unsafe class ThreadAffinity
{

    /// <summary>The host CPUs this process may run on (its own affinity mask): the CPUs the rig can move threads to.</summary>
    public static IReadOnlyList<int> AllowedCpus()
    {
        cpu_set_t mask;
        if (LibC.sched_getaffinity(0, sizeof(cpu_set_t), &mask) < 0)
        {
            throw new InvalidOperationException($"sched_getaffinity failed: {Marshal.GetPInvokeErrorMessage(LibC.errno)}");
        }

        var cpus = new List<int>();
        for (int cpu = 0; cpu < LibC.CPU_SETSIZE; cpu++)
        {
            if (LibC.CPU_ISSET(cpu, &mask))
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    /// <summary>Pins thread <paramref name="threadId"/> to the one host CPU <paramref name="cpu"/>; false if the thread no longer exists.</summary>
    public static bool Pin(int threadId, int cpu)
    {
        if ((uint)cpu >= LibC.CPU_SETSIZE)
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), $"host CPU {cpu} is beyond the {LibC.CPU_SETSIZE} a mask holds");
        }

        cpu_set_t mask;
        LibC.CPU_ZERO(&mask);
        LibC.CPU_SET(cpu, &mask);
        if (LibC.sched_setaffinity(threadId, sizeof(cpu_set_t), &mask) == 0)
        {
            return true;
        }

        int errno = LibC.errno;
        return errno == LibC.ESRCH
            ? false
            : throw new InvalidOperationException($"sched_setaffinity({threadId}, CPU {cpu}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Restricts the calling thread to <paramref name="cpus"/>; processes it forks from then on inherit the mask.</summary>
    public static void PinCurrentThread(IReadOnlyCollection<int> cpus)
    {
        cpu_set_t mask;
        LibC.CPU_ZERO(&mask);
        foreach (var cpu in cpus)
        {
            if ((uint)cpu >= LibC.CPU_SETSIZE)
            {
                throw new ArgumentOutOfRangeException(nameof(cpus), $"host CPU {cpu} is beyond the {LibC.CPU_SETSIZE} a mask holds");
            }

            LibC.CPU_SET(cpu, &mask);
        }

        if (LibC.sched_setaffinity(0, sizeof(cpu_set_t), &mask) < 0)
        {
            throw new InvalidOperationException($"sched_setaffinity(CPUs {string.Join(',', cpus)}) failed: {Marshal.GetPInvokeErrorMessage(LibC.errno)}");
        }
    }
}
