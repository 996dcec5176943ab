using Rig.Churn;
using Rig.Suites.Sched.Oracles;

namespace Rig.Suites.Tests.Sched;

public class HostLeaksTests
{
    private static readonly HostFootprint Before = new(ChildProcesses: 3, RigFds: 160, VmmRssKiB: 120_000);

    [Fact]
    public void The_same_footprint_within_the_runtimes_noise_passes() =>
        Assert.Empty(HostLeaks.Check(Before, Before with { RigFds = 160 + HostLeaks.FdSlack, VmmRssKiB = 130_000 }, 20));

    [Fact]
    public void A_vmm_process_left_behind_fails() =>
        Assert.Contains("1 VMM processes left behind after 20 destroyed VMs", Assert.Single(HostLeaks.Check(Before, Before with { ChildProcesses = 4 }, 20)));

    [Fact]
    public void Fds_that_grow_with_the_destroyed_vms_fail() =>
        Assert.Contains("60 more fds", Assert.Single(HostLeaks.Check(Before, Before with { RigFds = 220 }, 20)));

    [Fact]
    public void Survivor_memory_that_grows_by_a_guests_worth_fails() =>
        Assert.Contains("grew by 117 MiB", Assert.Single(HostLeaks.Check(Before, Before with { VmmRssKiB = 240_000 }, 20)));
}
