using System.Diagnostics;
using System.Globalization;
using Rig.Targets;
using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>
/// The kit's rig-agent spinning its dom0's CPUs (<see cref="Dom0Load"/>), run here as a lab's dom0 runs it: one spinner
/// per CPU the agent's machine has, each gone once the load is disposed.
/// </summary>
public sealed class AgentLoadTests : IAsyncDisposable
{
    private LocalDom0? _dom0;

    [Fact]
    public async Task The_agent_spins_one_shell_per_cpu_until_unload()
    {
        _dom0 = await LocalDom0.StartAsync(XenTarget.AgentScript(RequiresXenKitFactAttribute.RepoRoot));
        int cpus = File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal));

        var load = await Dom0Load.StartAsync(_dom0.Agent, CancellationToken.None);
        var pids = Pids(load.Spinners);
        Assert.StartsWith($"spinners={cpus} ", load.Spinners, StringComparison.Ordinal);
        Assert.Equal(cpus, pids.Count);
        Assert.All(pids, pid => Assert.True(Alive(pid), $"spinner {pid} is not running ({load.Spinners})"));

        await load.DisposeAsync();
        var deadline = Stopwatch.StartNew();
        while (pids.Any(Alive) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        Assert.DoesNotContain(pids, Alive);
    }

    private static List<int> Pids(string spinners) =>
        [.. spinners.Split("pids=")[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];

    /// <summary>A process that exists and is not a zombie waiting for the agent's shell to reap it.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_dom0 is not null)
        {
            using var agent = Process.GetProcessById(_dom0.ProcessId);
            agent.Kill(entireProcessTree: true);
            await _dom0.Agent.DisposeAsync();
        }
    }
}
