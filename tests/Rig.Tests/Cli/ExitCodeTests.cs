using Rig.Tests.Config;

namespace Rig.Tests.Cli;

/// <summary>Exit codes are the rig's contract with CI: 2 for the rig's own errors, with a message that names the culprit.</summary>
public sealed class ExitCodeTests
{
    [Fact]
    public async Task A_bad_configuration_value_exits_2_naming_the_key()
    {
        using var checkout = new TemporaryCheckout("""{ "targets": { "qemu-kvm": { "kind": "qemu", "binary": "q", "accel": "kvm", "machine": "pc-99" } } }""");

        var (code, output) = await RigCli.RunAsync(checkout.Root, "targets");

        Assert.Equal(2, code);
        Assert.Contains("targets:qemu-kvm:machine", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_suite_exits_2_listing_the_built_ones()
    {
        using var checkout = CheckoutWithBuiltSuite();

        var (code, output) = await RigCli.RunAsync(checkout.Root, "run", "--suite", "no-such-suite", "--store", Path.Combine(checkout.Root, "r.db"));

        Assert.Equal(2, code);
        Assert.Contains("no suite no-such-suite", output, StringComparison.Ordinal);
        Assert.Contains("built suites: nmi-mce", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_target_exits_2_listing_the_configured_ones()
    {
        using var checkout = CheckoutWithBuiltSuite();

        var (code, output) = await RigCli.RunAsync(checkout.Root, "run", "--target", "vmware", "--store", Path.Combine(checkout.Root, "r.db"));

        Assert.Equal(2, code);
        Assert.Contains("no target vmware", output, StringComparison.Ordinal);
    }

    /// <summary>A checkout whose bin directory holds one (empty) NUnit suite build: discovery goes by file names only.</summary>
    private static TemporaryCheckout CheckoutWithBuiltSuite()
    {
        var checkout = new TemporaryCheckout($$"""{ "suites": "bin", {{TemporaryCheckout.ValidTargets}} }""");
        var dir = Directory.CreateDirectory(Path.Combine(checkout.Root, "bin", "Rig.Suites.NmiMce", "debug"));
        File.WriteAllText(Path.Combine(dir.FullName, "Rig.Suites.NmiMce.dll"), "");
        File.WriteAllText(Path.Combine(dir.FullName, "nunit.framework.dll"), "");
        return checkout;
    }

    [Fact]
    public async Task An_unknown_verb_exits_2()
    {
        using var checkout = new TemporaryCheckout($$"""{ {{TemporaryCheckout.ValidTargets}} }""");

        var (code, _) = await RigCli.RunAsync(checkout.Root, "frobnicate");

        Assert.Equal(2, code);
    }

    [Theory]
    [InlineData("targets")]
    [InlineData("run")]
    [InlineData("report")]
    [InlineData("compare")]
    [InlineData("mutate")]
    public async Task Every_verb_has_help(string verb)
    {
        using var checkout = new TemporaryCheckout($$"""{ {{TemporaryCheckout.ValidTargets}} }""");

        var (code, output) = await RigCli.RunAsync(checkout.Root, verb, "--help");

        Assert.Equal(0, code);
        Assert.Contains($"rig {verb}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Targets_lists_an_unavailable_target_with_its_reason_and_exits_0()
    {
        using var checkout = new TemporaryCheckout("""{ "targets": { "ghost": { "kind": "qemu", "binary": "/nonexistent/qemu", "accel": "tcg" } } }""");

        var (code, output) = await RigCli.RunAsync(checkout.Root, "targets");

        Assert.Equal(0, code);
        Assert.Contains("ghost", output, StringComparison.Ordinal);
        Assert.Contains("not found", output, StringComparison.Ordinal);
    }
}
