using Rig.Config;

namespace Rig.Tests.Config;

/// <summary>Configuration errors are caught at start and name the key, as a user would type it.</summary>
public sealed class RigConfigurationTests
{
    [Fact]
    public void A_valid_file_binds_targets_and_keeps_defaults()
    {
        using var checkout = new TemporaryCheckout($$"""{ "watchdogSeconds": 30, {{TemporaryCheckout.ValidTargets}} }""");

        var options = RigConfiguration.Load(checkout.Root);

        Assert.Equal(30, options.WatchdogSeconds);
        Assert.Equal("results/rig.db", options.Store);
        Assert.Equal("microvm", options.Targets["qemu-kvm"].Machine);
        Assert.Equal("reference", options.Targets["reference"].Kind);
    }

    [Theory]
    [InlineData(""" "qemu-kvm": { "kind": "qemu", "binary": "q", "accel": "kvm", "machine": "pc-99" } """, "targets:qemu-kvm:machine:")]
    [InlineData(""" "qemu-kvm": { "kind": "qemu", "binary": "q", "accel": "hax" } """, "targets:qemu-kvm:accel:")]
    [InlineData(""" "t": { "kind": "vmware", "binary": "x" } """, "targets:t:kind:")]
    [InlineData(""" "t": { "kind": "qemu", "accel": "tcg" } """, "targets:t:binary:")]
    [InlineData(""" "t": { "kind": "qemu", "binary": "q", "accel": "tcg", "memoryMb": 1 } """, "targets:t:memoryMb:")]
    [InlineData(""" "ref": { "kind": "reference", "binary": "x", "irqchip": "split" } """, "targets:ref:irqchip:")]
    [InlineData(""" "ref": { "kind": "reference", "binary": "x", "offers": ["kvmclock", "hyperv"] } """, "targets:ref:offers:")]
    [InlineData(""" "ref": { "kind": "reference", "binary": "x", "hostLimits": { "kvm_pvm": ["cpu.sysretq/syscall-sysretq"] } } """, "targets:ref:hostLimits:kvm_pvm:")]
    [InlineData(""" "ref": { "kind": "reference", "binary": "x", "hostLimits": { "any": ["sysretq: #GP"] } } """, "targets:ref:hostLimits:any:")]
    [InlineData(""" "x": { "kind": "xen", "binary": "xl", "machine": "q35" } """, "targets:x:machine:")]
    [InlineData(""" "x": { "kind": "xen", "binary": "qemu-system-x86_64", "accel": "kvm", "machine": "pvh" } """, "targets:x:accel:")]
    public void A_bad_target_value_names_its_key(string target, string key)
    {
        using var checkout = new TemporaryCheckout($$"""{ "targets": { {{target}} } }""");

        var error = Assert.Throws<RigConfigException>(() => RigConfiguration.Load(checkout.Root));

        Assert.StartsWith(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_key()
    {
        using var checkout = new TemporaryCheckout($$"""{ "watchdogSeconds": "soon", {{TemporaryCheckout.ValidTargets}} }""");

        var error = Assert.Throws<RigConfigException>(() => RigConfiguration.Load(checkout.Root));

        Assert.StartsWith("watchdogSeconds:", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_profile_other_than_default_or_lab_names_its_key()
    {
        using var checkout = new TemporaryCheckout($$"""{ "profile": "huge", {{TemporaryCheckout.ValidTargets}} }""");

        var error = Assert.Throws<RigConfigException>(() => RigConfiguration.Load(checkout.Root));

        Assert.StartsWith("profile:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_thresholds_bind_from_the_file_and_a_bad_one_names_its_key()
    {
        using var good = new TemporaryCheckout($$"""{ "compare": { "thresholds": { "Alpha": 0.05, "Metrics": { "first_tick_us": { "RelativeShift": 0.5 } } } }, {{TemporaryCheckout.ValidTargets}} }""");
        var options = RigConfiguration.Load(good.Root);
        Assert.Equal(0.05, options.Compare.Thresholds.Alpha);
        Assert.True(options.Compare.Thresholds.Metrics.ContainsKey("first_tick_us"));

        using var bad = new TemporaryCheckout($$"""{ "compare": { "thresholds": { "Alpha": 2 } }, {{TemporaryCheckout.ValidTargets}} }""");
        var error = Assert.Throws<RigConfigException>(() => RigConfiguration.Load(bad.Root));
        Assert.StartsWith("compare:thresholds:Alpha", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_is_an_error_rather_than_silently_ignored()
    {
        using var checkout = new TemporaryCheckout($$"""{ "watchdgSeconds": 5, {{TemporaryCheckout.ValidTargets}} }""");

        var error = Assert.Throws<RigConfigException>(() => RigConfiguration.Load(checkout.Root));

        Assert.Contains("watchdgSeconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_a_configuration_error_naming_the_file()
    {
        using var checkout = new TemporaryCheckout("""{ "targets": { """);

        var error = Assert.Throws<RigConfigException>(() => RigConfiguration.Load(checkout.Root));

        Assert.StartsWith("rig.json:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_override_the_file_and_are_validated_too()
    {
        using var checkout = new TemporaryCheckout($$"""{ {{TemporaryCheckout.ValidTargets}} }""");

        var overridden = RigConfiguration.Load(checkout.Root, new Dictionary<string, string?> { ["targets:qemu-kvm:machine"] = "q35" });
        var error = Assert.Throws<RigConfigException>(
            () => RigConfiguration.Load(checkout.Root, new Dictionary<string, string?> { ["release"] = "a b" }));

        Assert.Equal("q35", overridden.Targets["qemu-kvm"].Machine);
        Assert.StartsWith("release:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_targets_at_all_is_an_error()
    {
        using var checkout = new TemporaryCheckout("{}");

        var error = Assert.Throws<RigConfigException>(() => RigConfiguration.Load(checkout.Root));

        Assert.StartsWith("targets:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_repository_rig_json_is_valid()
    {
        var options = RigConfiguration.Load(RepoRoot.Find());

        Assert.Contains("reference", options.Targets.Keys);
        Assert.Contains("qemu-kvm", options.Targets.Keys);
    }

    [Fact]
    public void The_repository_rig_json_states_which_paravirtual_clocks_and_directed_EOI_each_target_must_offer()
    {
        var targets = RigConfiguration.Load(RepoRoot.Find()).Targets;

        Assert.Equal(["kvmclock", "xen", "directed-eoi"], targets["reference"].Offers);
        Assert.Equal(["kvmclock"], targets["qemu-kvm"].Offers);
        Assert.Empty(targets["qemu-tcg"].Offers);
    }
}
