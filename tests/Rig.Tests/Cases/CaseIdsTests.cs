using Rig.Cases;

namespace Rig.Tests.Cases;

/// <summary>
/// A probe prints its case id (apic.reset-state) while the case knows its name (reset-state): a whole-case skip compared
/// against the name alone was never seen, and Xen PVH's `RIG skip apic.reset-state` became an error.
/// </summary>
public sealed class CaseIdsTests
{
    [Theory]
    [InlineData("apic.reset-state")]
    [InlineData("reset-state")]
    public void The_probe_id_and_the_case_name_both_name_the_case(string recordCase)
    {
        Assert.True(CaseIds.Names(recordCase, "apic", "reset-state"));
        Assert.True(CaseIds.NamesOrPart(recordCase, "apic", "reset-state"));
    }

    [Theory]
    [InlineData("apic.reset-state.cf9")]
    [InlineData("reset-state.cf9")]
    public void A_part_belongs_to_the_case_but_is_not_the_case(string recordCase)
    {
        Assert.False(CaseIds.Names(recordCase, "apic", "reset-state"));
        Assert.True(CaseIds.NamesOrPart(recordCase, "apic", "reset-state"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("apic.reset-stateful")]
    [InlineData("time.reset-state")]
    [InlineData("apic")]
    public void Other_names_are_neither(string? recordCase)
    {
        Assert.False(CaseIds.Names(recordCase, "apic", "reset-state"));
        Assert.False(CaseIds.NamesOrPart(recordCase, "apic", "reset-state"));
    }
}
