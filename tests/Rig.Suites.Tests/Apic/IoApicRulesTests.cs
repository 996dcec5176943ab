using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class IoApicRulesTests
{
    private static Record Step(string name, long delivered, bool? rirr, string source = "host", int pin = 16) =>
        RecordParser.TryParse($"RIG ioapic step={name} source={source} pin={pin} vector=0x58 delivered={delivered} rirr={(rirr == true ? 1 : 0)} ran_us=20000")!;

    private static List<Record> Conforming(string source = "host")
    {
        var trace = IoApicRules.Script.Select(s => Step(s.Name, s.Delivered, s.RemoteIrr, source)).ToList();
        trace.AddRange(Enumerable.Range(17, IoApicRules.SimultaneousPins[source]).Select(pin => Step(IoApicRules.SimultaneousEdges, 1, null, source, pin)));

        return trace;
    }

    private static List<Record> With(string name, long delivered, bool? rirr) =>
        [.. Conforming().Select(r => r["step"] == name ? Step(name, delivered, rirr) : r)];

    [Fact]
    public void A_datasheet_conforming_trace_passes()
    {
        Assert.Empty(IoApicRules.Check(Conforming()));
        Assert.Empty(IoApicRules.Check(Conforming("rtc")));
        Assert.Empty(IoApicRules.Check([.. Conforming(), .. Conforming("hpet")]));
    }

    [Fact]
    public void Each_source_is_judged_on_its_own()
    {
        // The reference walks the script on the host's lines and on the HPET's: a fault on one source is not hidden by the other.
        var hpetRedeliveryLost = Conforming("hpet").Select(r => r["step"] == "eoi-redelivers" ? Step("eoi-redelivers", 0, true, "hpet") : r);
        var problems = IoApicRules.Check([.. Conforming(), .. hpetRedeliveryLost]);
        Assert.StartsWith("hpet: eoi-redelivers: 0 messages for vector 0x58, expected 1", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hpet", 3)]
    [InlineData("rtc", 2)]
    public void Every_source_owes_the_simultaneous_edges(string source, int pins)
    {
        var trace = Conforming(source).Where(r => r["step"] != IoApicRules.SimultaneousEdges).ToList();
        Assert.Contains(IoApicRules.Check(trace), p => p.StartsWith($"{source}: simultaneous-edges: 0 pin records, expected {pins}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_level_line_not_redelivered_after_EOI_fails()
    {
        // rig-hv with ioapic-level-no-redeliver: remote IRR cleared at the EOI, the still-asserted line forgotten.
        var problems = IoApicRules.Check(With("eoi-redelivers", 0, false));
        Assert.Contains(problems, p => p.StartsWith("host: eoi-redelivers: 0 messages for vector 0x58, expected 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("host: eoi-redelivers: remote IRR 0, expected 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Remote_IRR_that_does_not_hold_a_level_line_fails()
    {
        // An IOAPIC that treats level like edge-per-assertion: messages while remote IRR should hold them.
        Assert.Contains(IoApicRules.Check(With("level-held", 3, true)), p => p.StartsWith("host: level-held: 3 messages", StringComparison.Ordinal));
    }

    [Fact]
    public void Remote_IRR_never_set_fails()
    {
        Assert.Contains(IoApicRules.Check(With("level-assert", 1, false)), p => p.StartsWith("host: level-assert: remote IRR 0, expected 1", StringComparison.Ordinal));
    }

    [Fact]
    public void An_EOI_that_does_not_clear_remote_IRR_of_a_masked_entry_fails() =>
        Assert.Contains(IoApicRules.Check(With("masked-eoi", 0, true)), p => p.StartsWith("host: masked-eoi: remote IRR 1, expected 0", StringComparison.Ordinal));

    [Fact]
    public void Unmasking_an_asserted_level_line_without_delivery_fails() =>
        Assert.Contains(IoApicRules.Check(With("unmask-redelivers", 0, false)), p => p.StartsWith("host: unmask-redelivers: 0 messages", StringComparison.Ordinal));

    [Fact]
    public void A_deasserted_line_delivered_again_fails() =>
        Assert.Contains(IoApicRules.Check(With("deasserted-eoi", 1, true)), p => p.StartsWith("host: deasserted-eoi: 1 messages", StringComparison.Ordinal));

    [Fact]
    public void An_edge_entry_that_fires_while_the_line_stays_high_fails() =>
        Assert.Contains(IoApicRules.Check(With("edge-held-high", 19, null)), p => p.StartsWith("host: edge-held-high: 19 messages", StringComparison.Ordinal));

    [Fact]
    public void A_lost_or_missing_simultaneous_edge_fails()
    {
        var lost = Conforming().Select(r => r["step"] == IoApicRules.SimultaneousEdges && r["pin"] == "18" ? Step(IoApicRules.SimultaneousEdges, 0, null, pin: 18) : r).ToList();
        Assert.Contains(IoApicRules.Check(lost), p => p.StartsWith("host: simultaneous-edges pin 18: 0 messages", StringComparison.Ordinal));
        var missing = Conforming().Where(r => r["step"] != IoApicRules.SimultaneousEdges || r["pin"] != "19").ToList();
        Assert.Contains(IoApicRules.Check(missing), p => p.StartsWith("host: simultaneous-edges: 2 pin records, expected 3", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_step_is_reported()
    {
        var trace = Conforming().Where(r => r["step"] != "level-held").ToList();
        Assert.Equal("host: level-held: no observation (no EOI yet, line still asserted: remote IRR holds every further message)", Assert.Single(IoApicRules.Check(trace)));
    }
}
