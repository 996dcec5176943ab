using Rig.Protocol;
using Rig.Suites.Apic.Oracles;

namespace Rig.Suites.Tests.Apic;

public class IoApicResetStateTests
{
    private static string? Check(string line) => IoApicResetState.Check(RecordParser.TryParse(line)!);

    [Fact]
    public void Every_entry_masked_after_a_reset_passes() =>
        Assert.Null(Check("RIG ioapic after=cf9 present=1 entries=24 unmasked=0x0"));

    [Fact]
    public void A_target_without_an_ioapic_is_not_judged() =>
        Assert.Null(Check("RIG ioapic after=kbd present=0"));

    [Fact]
    public void Routes_kept_across_a_reset_fail_naming_the_pins() =>
        Assert.Equal("after system_reset: redirection entries 22, 23 of 24 unmasked (82093AA 3.2.4: RESET masks every entry)",
            Check("RIG ioapic after=system_reset present=1 entries=24 unmasked=0xc00000"));
}
