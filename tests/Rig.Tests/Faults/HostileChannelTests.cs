using System.Diagnostics;
using Rig.Results;

namespace Rig.Tests.Faults;

/// <summary>
/// A VMM or guest that abuses the channels the rig reads (<see cref="FakeVmm"/>): QMP closed in the middle of a reply,
/// COM1 flooded with garbage or with one 10 MiB line. The rig stays within its memory bounds, ends the case within
/// seconds with the reason, and leaves no process behind.
/// </summary>
[Collection(HostFaultFactAttribute.Collection)]
public sealed class HostileChannelTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [HostFaultFact]
    public async Task Qmp_closed_mid_command_ends_the_case_as_an_error_naming_the_command_and_stops_the_vmm()
    {
        var clock = Stopwatch.StartNew();
        var (code, output, results, checkout) = await RunSmoke("fake-qmp-close");
        using (checkout)
        {
            Assert.True(code == 1, $"exit {code}: {output}");
            var error = Assert.Single(results);
            Assert.Equal(Verdict.Error, error.Verdict);
            Assert.Contains("QMP connection failed during a COM2 host action", error.Summary, StringComparison.Ordinal);
            Assert.Contains("inject-nmi", error.Summary, StringComparison.Ordinal);

            // Not the 120 s watchdog: the rig stops a VMM whose control plane is gone.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
            Assert.Empty(await HostProcesses.LeftBehindAsync(checkout.Root, TimeSpan.FromSeconds(10)));
        }
    }

    [HostFaultFact]
    public async Task Com1_garbage_is_read_past_and_the_probe_verdict_after_it_still_counts()
    {
        var (code, output, results, checkout) = await RunSmoke("fake-com1-garbage");
        using (checkout)
        {
            Assert.True(code == 0, $"exit {code}: {output}");
            var ok = Assert.Single(results);
            Assert.Equal(("self-test.fake", Verdict.Ok), (ok.Case, ok.Verdict));

            // 16 MiB of garbage reached the rig; the stored log keeps its bounded head only.
            Assert.InRange(ok.Log.Length, 1, 512 * 1024);
            Assert.Empty(await HostProcesses.LeftBehindAsync(checkout.Root, TimeSpan.FromSeconds(10)));
        }
    }

    [HostFaultFact]
    public async Task A_10_mib_com1_line_is_an_error_naming_its_length_and_forges_no_record()
    {
        var (code, output, results, checkout) = await RunSmoke("fake-com1-long-line");
        using (checkout)
        {
            Assert.True(code == 1, $"exit {code}: {output}");
            Assert.DoesNotContain(results, r => r.Case.Contains("forged", StringComparison.Ordinal));
            var error = Assert.Single(results, r => r.Verdict == Verdict.Error);
            Assert.Contains($"COM1 sent a line of {FakeVmm.LongLineBytes} bytes", error.Summary, StringComparison.Ordinal);
            Assert.Empty(await HostProcesses.LeftBehindAsync(checkout.Root, TimeSpan.FromSeconds(10)));
        }
    }

    private static async Task<(int Code, string Output, IReadOnlyList<CaseResult> Results, FaultCheckout Checkout)> RunSmoke(string target)
    {
        var checkout = new FaultCheckout(target);
        using var rig = await RigRun.StartAsync(checkout.Root, "run", "--suite", "smoke", "--release", "hostile", "--jobs", "1");
        var (code, output) = await rig.WaitAsync(Bound);
        var (run, results) = Assert.Single(checkout.Stored("hostile"));
        Assert.NotNull(run.Ended);
        return (code, output, results, checkout);
    }
}
