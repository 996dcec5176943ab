using Rig.Targets;
using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>A guest whose dom0 faults under it ends at once as unjudgeable, instead of running out the case's bounds.</summary>
public sealed class XenDomainVmFaultTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_fault_of_dom0s_while_the_guest_runs_ends_it_unjudgeable_and_refuses_further_xl_verbs()
    {
        await using var link = new FakeAgentLink();
        var dom0 = new FaultingDom0(link.Agent);
        await using var vm = await CreatedAsync(link, dom0);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var exiting = vm.WaitForExitAsync(TimeSpan.FromMinutes(20));
        dom0.Fault("[   33.031833] rig-agent[257]: segfault at 8 ip 00000000004a4d02 sp 00007ffd error 4 in busybox");
        var destroy = (await link.ReadCommandAsync().WaitAsync(Bound)).Split(' ');
        Assert.Equal(["destroy", vm.Name], destroy[1..]);
        var exit = await exiting.WaitAsync(Bound);

        Assert.True(clock.Elapsed < Bound, $"the exit took {clock.Elapsed}");
        Assert.Contains("dom0 faulted while the guest ran", exit.Unjudgeable);
        Assert.Contains("segfault at 8", exit.Unjudgeable);
        Assert.Null(exit.ProbeStatus);
        var refused = await Assert.ThrowsAsync<IOException>(() => vm.StopAsync());
        Assert.Contains("not sent", refused.Message);
        Assert.Contains("segfault at 8", vm.VmmDiagnostics);

        await link.SayAsync($"@ack {destroy[0]} ok");
        await EndAsync(link, vm);
    }

    [Fact]
    public async Task A_fault_from_before_the_guest_was_created_ends_it_too()
    {
        // The runner replaces a faulted machine before a case, so a fault already there came while this case set up.
        await using var link = new FakeAgentLink();
        var dom0 = new FaultingDom0(link.Agent);
        dom0.Fault("[  663.404974] rig-agent[3202]: segfault at 10 ip 0000000000433f9c error 4 in busybox");
        await using var vm = await CreatedAsync(link, dom0);

        var exit = await vm.WaitForExitAsync(TimeSpan.FromMinutes(20)).WaitAsync(Bound);

        Assert.Contains("segfault at 10", exit.Unjudgeable);
        var destroy = (await link.ReadCommandAsync().WaitAsync(Bound)).Split(' ');
        Assert.Equal(["destroy", vm.Name], destroy[1..]);
        await link.SayAsync($"@ack {destroy[0]} ok");
        await EndAsync(link, vm);
    }

    [Fact]
    public async Task A_guest_on_a_dom0_without_faults_ends_as_its_probe_says()
    {
        await using var link = new FakeAgentLink();
        var dom0 = new FaultingDom0(link.Agent);
        await using var vm = await CreatedAsync(link, dom0);

        var exiting = vm.WaitForExitAsync(TimeSpan.FromMinutes(20));
        await link.SayAsync($"@con {vm.Name} RIG exit status=0");
        await EndAsync(link, vm);
        var exit = await exiting.WaitAsync(Bound);

        Assert.Null(exit.Unjudgeable);
        Assert.Equal(0, exit.ProbeStatus);
    }

    /// <summary>A PVH guest created through <paramref name="link"/>'s agent, its create acked.</summary>
    private static async Task<XenDomainVm> CreatedAsync(FakeAgentLink link, FaultingDom0 dom0)
    {
        var creating = XenDomainVm.CreateAsync("xen-test", dom0, new VmSpec("/probes/Hello.elf", "", TimeSpan.FromMinutes(20)), hvm: false, 64, CancellationToken.None);
        var create = (await link.ReadCommandAsync()).Split(' ');
        Assert.Equal("create", create[1]);
        await link.SayAsync($"@ack {create[0]} ok");
        return await creating.WaitAsync(Bound);
    }

    /// <summary>The domain's end reported as xl reports a poweroff, so disposing the guest waits for nothing.</summary>
    private static async Task EndAsync(FakeAgentLink link, XenDomainVm vm)
    {
        await link.SayAsync($"@exit {vm.Name} rc=0 reason=0");
        await link.SayAsync($"@con-end {vm.Name}");
    }

    private sealed class FaultingDom0(Dom0Agent agent) : IDom0
    {
        private readonly List<string> _faults = [];

        public Dom0Agent Agent { get; } = agent;

        public int ProcessId => Environment.ProcessId;

        public string Diagnostics => "(fake dom0)";

        public IReadOnlyList<string> Faults
        {
            get
            {
                lock (_faults)
                {
                    return [.. _faults];
                }
            }
        }

        public void Fault(string line)
        {
            lock (_faults)
            {
                _faults.Add(line);
            }
        }

        public Task<string> StageFileAsync(string hostPath, CancellationToken cancellationToken) => Task.FromResult("/probes/" + Path.GetFileName(hostPath));

        public Task<IAsyncDisposable> LoadAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task WriteFileAsync(string content, string dom0Path, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
