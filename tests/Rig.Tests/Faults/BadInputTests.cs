using Rig.Results;
using Rig.Store;
using Rig.Tests.Cli;
using Rig.Tests.Store;

namespace Rig.Tests.Faults;

/// <summary>
/// Bad input a user hands the rig: a broken rig.json stops `rig run` with exit 2 naming the file or key before it
/// touches the store; a probe image that is not an ELF, or is cut short, is an error on every target naming what is
/// wrong, and no VMM is started for it.
/// </summary>
[Collection(HostFaultFactAttribute.Collection)]
public sealed class BadInputTests
{
    [Theory]
    [InlineData("""{ "targets": { "reference": { "kind": "reference", """, "rig.json:")]
    [InlineData("""{ "watchdgSeconds": 5, "targets": { "r": { "kind": "reference", "binary": "rig-hv" } } }""", "watchdgSeconds")]
    [InlineData("""{ "watchdogSeconds": "soon", "targets": { "r": { "kind": "reference", "binary": "rig-hv" } } }""", "watchdogSeconds:")]
    public async Task A_bad_rig_json_stops_the_run_with_exit_2_naming_the_fault_and_the_store_keeps_what_it_held(string rigJson, string named)
    {
        using var checkout = new FaultCheckout();
        using (var store = ResultStore.Open(checkout.Store))
        {
            store.BeginRun(SampleRuns.Run("before", "run-before"));
            store.Add("run-before", SampleRuns.Result("timer-after-reboot", "reference", Verdict.Ok));
            store.EndRun("run-before", SampleRuns.Epoch.AddMinutes(1));
        }

        checkout.WriteConfig(rigJson);
        var (code, output) = await RigCli.RunAsync(checkout.Root, "run", "--suite", "smoke", "--store", checkout.Store);

        Assert.True(code == 2, $"exit {code}: {output}");
        Assert.Contains(named, output, StringComparison.Ordinal);
        var (_, results) = Assert.Single(checkout.Stored("before"));
        Assert.Equal("timer-after-reboot", Assert.Single(results).Case);
    }

    [HostFaultFact(qemu: true)]
    public Task A_probe_image_that_is_not_an_elf_is_an_error_on_every_target() =>
        RunWithImage(_ => "#!/bin/sh\necho this is not a probe\n"u8.ToArray(), "not an ELF file");

    [HostFaultFact(qemu: true)]
    public Task A_truncated_probe_image_is_an_error_on_every_target() =>
        RunWithImage(whole => whole[..(whole.Length / 2)], "SelfTest.elf: ");

    private static async Task RunWithImage(Func<byte[], byte[]> damage, string reason)
    {
        using var checkout = new FaultCheckout("qemu-tcg", "reference");
        File.WriteAllBytes(checkout.ProbeImage, damage(File.ReadAllBytes(checkout.ProbeImage)));

        var (code, output) = await RigCli.RunAsync(checkout.Root, "run", "--suite", "smoke", "--release", "bad-image", "--jobs", "1");

        Assert.True(code == 1, $"exit {code}: {output}");
        var (_, results) = Assert.Single(checkout.Stored("bad-image"));
        Assert.Equal(["qemu-tcg", "reference"], results.Select(r => r.Target).Order());
        Assert.All(results, r =>
        {
            Assert.Equal(Verdict.Error, r.Verdict);
            Assert.Contains("probe image cannot boot", r.Summary, StringComparison.Ordinal);
            Assert.Contains(reason, r.Summary, StringComparison.Ordinal);
        });
        Assert.Empty(HostProcesses.Mentioning(checkout.Root));
    }
}
