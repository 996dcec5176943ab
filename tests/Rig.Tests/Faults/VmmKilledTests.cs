using Rig.Hosting;
using Rig.Results;
using Rig.Targets;

namespace Rig.Tests.Faults;

/// <summary>
/// A VMM SIGKILLed in the middle of a case (the OOM killer, an operator, a crash): the case is an error naming the
/// signal, never a finding against the target, and the run goes on to its next row.
/// </summary>
[Collection(HostFaultFactAttribute.Collection)]
public sealed class VmmKilledTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [HostFaultFact(qemu: true)]
    public async Task Qemu_and_rig_hv_killed_mid_case_are_errors_naming_the_signal_and_the_run_goes_on()
    {
        using var checkout = new FaultCheckout("qemu-tcg", "reference");

        // The guest halts after its boot line: nothing but the kill ends its case.
        using var rig = await RigRun.StartAsync(checkout.Root, "run", "--suite", "smoke", "--release", "vmm-killed", "--jobs", "1");
        foreach (var vmm in new[] { ExecutablePath.Find("qemu-system-x86_64")!, FaultCheckout.RigHv })
        {
            // Rows run in target order: qemu-tcg, then reference. Killed once QMP, COM1 and COM2 are all connected and
            // the guest has had a moment to run; a kill that still lands in the QMP handshake must name the signal too.
            var pid = await HostProcesses.WaitForAsync(vmm, checkout.Probes, Bound);
            await HostProcesses.WaitForConnectedSocketsAsync(pid, 3, Bound);
            await Task.Delay(TimeSpan.FromSeconds(2));
            HostProcesses.Signal(pid, "KILL");
        }

        var (code, output) = await rig.WaitAsync(Bound);

        Assert.True(code == 1, $"exit {code}: {output}");
        var (run, results) = Assert.Single(checkout.Stored("vmm-killed"));
        Assert.NotNull(run.Ended);
        Assert.Equal(["qemu-tcg", "reference"], results.Select(r => r.Target).Order());
        Assert.All(results, r =>
        {
            Assert.Equal(Verdict.Error, r.Verdict);
            Assert.Contains("signal 9 (SIGKILL)", r.Summary, StringComparison.Ordinal);
        });
        Assert.Empty(await HostProcesses.LeftBehindAsync(checkout.Root, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void An_exit_code_above_128_reads_as_the_signal_that_killed_the_vmm_not_as_a_probe_status()
    {
        var killed = new VmExit(137, TimedOut: false, KilledByWatchdog: false);

        Assert.Equal(9, killed.Signal);
        Assert.Null(killed.ProbeStatus);
        Assert.Contains("SIGKILL", killed.Unjudgeable, StringComparison.Ordinal);
        Assert.Null(new VmExit(5, TimedOut: false, KilledByWatchdog: false).Unjudgeable);
        Assert.Equal("qmp lost", new VmExit(137, false, false, Fault: "qmp lost").Unjudgeable);
    }
}
