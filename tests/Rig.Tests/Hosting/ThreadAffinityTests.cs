using Rig.Hosting;
using Tmds.Linux;

namespace Rig.Tests.Hosting;

/// <summary>sched_getaffinity/sched_setaffinity through Tmds.LibC's cpu_set_t: the mask round-trips, and a gone thread is no error.</summary>
public sealed class ThreadAffinityTests
{
    [Fact]
    public void The_allowed_cpus_are_this_process_s_and_include_the_one_it_runs_on()
    {
        var cpus = ThreadAffinity.AllowedCpus();

        Assert.Contains(LibC.sched_getcpu(), cpus); // a thread runs only where its mask allows
    }

    [Fact]
    public void Pinning_the_current_thread_leaves_it_that_one_cpu()
    {
        int cpu = ThreadAffinity.AllowedCpus()[^1];
        var allowed = new List<int>();
        var thread = new Thread(() =>
        {
            ThreadAffinity.PinCurrentThread([cpu]);
            allowed.AddRange(ThreadAffinity.AllowedCpus());
        });
        thread.Start();
        thread.Join();

        Assert.Equal([cpu], allowed);
    }

    [Fact]
    public void Pinning_a_thread_that_does_not_exist_reports_false()
    {
        // Above /proc/sys/kernel/pid_max's ceiling (2^22): no thread can have this id, so the kernel answers ESRCH.
        Assert.False(ThreadAffinity.Pin(0x3FFF_FFFF, ThreadAffinity.AllowedCpus()[0]));
    }
}
