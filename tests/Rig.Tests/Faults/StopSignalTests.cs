using Rig.Hosting;
using Rig.Results;

namespace Rig.Tests.Faults;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM to `rig run` mid-case: the run stops within seconds with exit 2 and a message saying
/// why, the case in flight is an error naming the signal, every result finished before is in the store, and no VMM
/// is left running.
/// </summary>
[Collection(HostFaultFactAttribute.Collection)]
public sealed class StopSignalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [HostFaultFact(qemu: true)]
    public Task Sigint_stops_the_run_while_qemu_runs_a_case() =>
        StopMidCase("INT", "SIGINT", "qemu-tcg", ExecutablePath.Find("qemu-system-x86_64")!);

    [HostFaultFact]
    public Task Sigterm_stops_the_run_while_rig_hv_runs_a_case() =>
        StopMidCase("TERM", "SIGTERM", "reference", FaultCheckout.RigHv);

    private static async Task StopMidCase(string signal, string name, string target, string vmm)
    {
        // Rows run in target order: fake-ok finishes first, then the real VMM's guest halts until the signal.
        using var checkout = new FaultCheckout("fake-ok", target);
        using var rig = await RigRun.StartAsync(checkout.Root, "run", "--suite", "smoke", "--release", "stopped", "--jobs", "1", "--repeat", "2");
        var pid = await HostProcesses.WaitForAsync(vmm, checkout.Probes, Bound);
        await HostProcesses.WaitForConnectedSocketsAsync(pid, 3, Bound);
        await Task.Delay(TimeSpan.FromSeconds(2));
        HostProcesses.Signal(rig.Pid, signal);

        var (code, output) = await rig.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 2, $"exit {code}: {output}");
        Assert.Contains($"stopped before its end: interrupted by {name}", output, StringComparison.Ordinal);
        var (run, results) = Assert.Single(checkout.Stored("stopped"));
        Assert.Null(run.Ended);
        Assert.Contains(results, r => r.Target == "fake-ok" && r.Case == "self-test.fake" && r.Verdict == Verdict.Ok);
        var interrupted = Assert.Single(results, r => r.Target == target);
        Assert.Equal(Verdict.Error, interrupted.Verdict);
        Assert.Contains($"interrupted by {name}", interrupted.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(results, r => r.Repeat == 1);
        Assert.Empty(await HostProcesses.LeftBehindAsync(checkout.Root, TimeSpan.FromSeconds(10)));
    }
}
