using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>The timer thread's sleep: it ends at a past deadline at once, and a wake-up is never lost, even one sent before the wait.</summary>
public sealed class HostDeadlineWaitTests
{
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_deadline_already_past_ends_the_wait_at_once()
    {
        using var wait = new HostDeadlineWait();

        await Task.Run(() => wait.WaitUntil(0)).WaitAsync(HangBound); // throws TimeoutException if the wait never returns
    }

    [Fact]
    public async Task A_wake_sent_before_the_wait_ends_a_wait_without_deadline()
    {
        using var wait = new HostDeadlineWait();
        wait.Wake();

        await Task.Run(() => wait.WaitUntil(long.MaxValue)).WaitAsync(HangBound); // throws TimeoutException if the wake-up was lost
    }
}
