using System.Diagnostics;
using System.Runtime.InteropServices;
using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Tests.Kvm;

/// <summary>
/// The deadline kick for real, without a VM: a POSIX timer aimed at one thread, whose signal handler (machine code)
/// sets that thread's kvm_run.immediate_exit. A run page is any zeroed page here.
/// </summary>
public sealed unsafe class VcpuKickerTests : IDisposable
{
    private readonly byte* _page = (byte*)NativeMemory.AllocZeroed(4096);

    public void Dispose() => NativeMemory.Free(_page);

    [Fact]
    public void A_deadline_sets_immediate_exit_on_the_bound_thread_once_it_is_reached()
    {
        var run = new KvmRunPage(_page);
        var kicker = new VcpuKicker(run);
        long deadline = 0;
        long seenAt = 0;
        RunOnBoundThread(kicker, () =>
        {
            deadline = NowNs() + 100_000_000;
            kicker.KickAt(deadline);
            WaitUntil(() => run.ImmediateExit, TimeSpan.FromSeconds(10));
            seenAt = NowNs();
        });

        Assert.True(run.ImmediateExit, "the deadline passed and immediate_exit was never set");
        Assert.True(seenAt >= deadline, $"immediate_exit was set {(deadline - seenAt) / 1000} µs before the deadline");
    }

    [Fact]
    public void A_deadline_moved_to_never_or_a_retired_kicker_sets_nothing()
    {
        var run = new KvmRunPage(_page);
        var kicker = new VcpuKicker(run);
        RunOnBoundThread(kicker, () =>
        {
            kicker.KickAt(NowNs() + 5_000_000);
            kicker.KickAt(long.MaxValue);
            Thread.Sleep(50);
            kicker.KickAt(NowNs() + 5_000_000);
            kicker.Retire();
            Thread.Sleep(50);
        });

        Assert.False(run.ImmediateExit, "a cancelled or retired deadline still kicked");
    }

    [Fact]
    public void A_deadline_given_before_the_thread_is_bound_is_kept_for_it()
    {
        var run = new KvmRunPage(_page);
        var kicker = new VcpuKicker(run);
        kicker.KickAt(NowNs() + 5_000_000);
        RunOnBoundThread(kicker, () => WaitUntil(() => run.ImmediateExit, TimeSpan.FromSeconds(10)));

        Assert.True(run.ImmediateExit);
    }

    private static void RunOnBoundThread(VcpuKicker kicker, Action body)
    {
        var thread = new Thread(() =>
        {
            kicker.BindToCurrentThread();
            try
            {
                body();
            }
            finally
            {
                kicker.Retire();
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the bound thread hung");
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < bound)
        {
            Thread.Sleep(1);
        }
    }

    private static long NowNs() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
}
