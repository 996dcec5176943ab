using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class LapicResetStateTests
{
    private static readonly string NoVectors = Vectors.Bits();

    private static string CleanXapic(string extra = "") =>
        "RIG lapic after=cf9 mode=xapic cpu=0 id=0x0 ver=0x50014 tpr=0x0 ppr=0x0 ldr=0x0 dfr=0xffffffff svr=0xff " +
        $"isr={NoVectors} tmr={NoVectors} irr={NoVectors} esr=0x0 icr=0x0 lvt_timer=0x10000 lvt_thermal=0x10000 " +
        "lvt_pmc=0x10000 lvt_lint0=0x10000 lvt_lint1=0x10000 lvt_error=0x10000 tmict=0x0 tmcct=0x0 tdcr=0x0 " +
        "apicbase=0xfee00900" + extra;

    private static readonly Record Dirty = RecordParser.TryParse("RIG dirty boot=1 cpu=0 id=0x0 ver=0x50014")!;

    private static IReadOnlyList<RegisterMismatch> Check(string line, Record? before = null) =>
        LapicResetState.Check(RecordParser.TryParse(line)!, before ?? Dirty);

    [Fact]
    public void Clean_reset_state_passes() => Assert.Empty(Check(CleanXapic()));

    [Fact]
    public void Vector_left_in_service_is_named()
    {
        // Seed 001: vector 0xd1 still in service after reset.
        var bad = Check(CleanXapic().Replace($"isr={NoVectors}", "isr=" + Vectors.Bits(0xd1)));
        var isr = Assert.Single(bad);
        Assert.Equal("isr", isr.Register);
        Assert.Contains("0xd1", isr.Actual);
    }

    [Fact]
    public void Unmasked_timer_and_running_count_fail()
    {
        var bad = Check(CleanXapic().Replace("lvt_timer=0x10000", "lvt_timer=0x200ef").Replace("tmcct=0x0", "tmcct=0x1234"));
        Assert.Equal(["lvt_timer", "tmcct"], bad.Select(b => b.Register).Order());
    }

    [Fact]
    public void X2apic_ldr_is_derived_from_id_and_dfr_is_not_checked()
    {
        var line = CleanXapic().Replace("mode=xapic", "mode=x2apic").Replace("id=0x0 ", "id=0x13 ")
            .Replace("ldr=0x0", "ldr=0x10008").Replace(" dfr=0xffffffff", "");
        Assert.Empty(Check(line, RecordParser.TryParse("RIG dirty cpu=0 id=0x13 ver=0x50014")));
    }

    [Fact]
    public void Changed_apic_id_and_missing_register_fail()
    {
        var bad = Check(CleanXapic().Replace("id=0x0 ", "id=0x3 ").Replace(" esr=0x0", ""));
        Assert.Equal(["esr", "id"], bad.Select(b => b.Register).Order());
    }

    [Fact]
    public void Apic_left_in_x2apic_mode_after_reset_fails()
    {
        var bad = Check(CleanXapic().Replace("apicbase=0xfee00900", "apicbase=0xfee00d00"));
        Assert.Equal("apicbase", Assert.Single(bad).Register);
    }
}
