using Rig.Cases;

namespace Rig.Tests.Cases;

/// <summary>
/// rig.json's hostLimits entries (issue 22): one declared per check with what was measured, so that a new deviation in the same
/// case still fails; the older whole-case entries keep working.
/// </summary>
public sealed class HostLimitTests
{
    private static readonly KnownDeviations PerCheck = new([(HostLimit.Parse("cpu.sysenter-sysexit/sysenter: gave #UD (vector 6)"), "kvm_pvm")]);

    [Fact]
    public void A_per_check_entry_names_its_case_check_and_measured_outcome()
    {
        var limit = HostLimit.Parse("cpu.sysenter-sysexit/sysenter: gave #UD (vector 6)");

        Assert.Equal(new HostLimit("cpu.sysenter-sysexit", "sysenter", "gave #UD (vector 6)"), limit);
        Assert.False(limit.WholeCase);
        Assert.Equal("cpu.sysenter-sysexit/sysenter: gave #UD (vector 6)", limit.Entry);
    }

    [Fact]
    public void A_whole_case_entry_still_parses_and_covers_every_check_of_its_case()
    {
        var limit = HostLimit.Parse("cpu.sysretq");

        Assert.True(limit.WholeCase);
        Assert.Equal("cpu.sysretq", limit.Entry);
        Assert.True(limit.Covers("syscall-sysretq", "anything at all"));
        Assert.NotNull(new KnownDeviations([(limit, "kvm_pvm")]).Covering("another-check", "another outcome"));
    }

    [Theory]
    [InlineData("sysretq")]
    [InlineData("cpu.sysretq/syscall-sysretq")]
    [InlineData("cpu.sysretq/syscall-sysretq: ")]
    [InlineData("cpu.sysretq/: #GP")]
    [InlineData("cpu.sys retq")]
    public void An_entry_of_neither_form_is_refused(string entry)
    {
        Assert.Null(HostLimit.TryParse(entry, out string why));
        Assert.Contains(entry.Trim(), why, StringComparison.Ordinal);
    }

    [Fact]
    public void The_declared_outcome_of_the_declared_check_is_excused()
    {
        var by = PerCheck.Covering("sysenter", "it gave #UD (vector 6) with the saved RIP at the instruction (a fault) instead of entering IA32_SYSENTER_EIP at CPL0");

        Assert.NotNull(by);
        Assert.Equal("kvm_pvm", by.Value.Module);
    }

    [Fact]
    public void Another_outcome_of_the_same_check_is_not_excused()
    {
        Assert.Null(PerCheck.Covering("sysenter", "it gave #GP (vector 13, error code 0x0) with the saved RIP at the instruction (a fault) instead of entering IA32_SYSENTER_EIP at CPL0"));
    }

    [Fact]
    public void Another_check_of_the_same_case_is_not_excused()
    {
        Assert.Null(PerCheck.Covering("sysexit", "gave #UD (vector 6)"));
    }

    [Fact]
    public void A_declared_deviation_that_did_not_show_is_unseen()
    {
        Assert.Single(PerCheck.Unseen([("sysexit", "the landing's RSP was 0x0, not 0x40f800")]));
        Assert.Empty(PerCheck.Unseen([("sysenter", "it gave #UD (vector 6) with the saved RIP at the instruction")]));
    }
}
