using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class IoApicRulesTests
{
    private static Record Step(string name, long delivered, bool? rirr, string source = "host", int pin = 16) =>
        RecordParser.TryParse($"RIG ioapic step={name} source={source} pin={pin} vector=0x58 delivered={delivered} rirr={(rirr == true ? 1 : 0)} ran_us=20000")!;

    private static Record Parse(string line) => RecordParser.TryParse(line)!;

    /// <summary>The 82093AA (11H) beside a LAPIC without EOI-broadcast suppression: no directed EOI to judge.</summary>
    private static readonly Record BroadcastOnly = Parse("RIG ioapic-eoi suppress_eoi_broadcast=0 ioapic_version=0x11");

    /// <summary>Suppression offered (version bit 24) and an IOAPIC with the EOI register (20H): directed EOI is judged.</summary>
    private static readonly Record Directed = Parse("RIG ioapic-eoi suppress_eoi_broadcast=1 ioapic_version=0x20");

    private static List<Record> Conforming(string source = "host")
    {
        var trace = IoApicRules.Script.Select(s => Step(s.Name, s.Delivered, s.RemoteIrr, source)).ToList();
        trace.AddRange(Enumerable.Range(17, IoApicRules.SimultaneousPins[source]).Select(pin => Step(IoApicRules.SimultaneousEdges, 1, null, source, pin)));

        return trace;
    }

    private static List<Record> ConformingDirected(string source = "host", string svr = "0x11ff")
    {
        List<Record> trace = [.. Conforming(source), Parse($"RIG ioapic-directed source={source} svr={svr}")];
        trace.AddRange(IoApicRules.DirectedEoiScript.Select(s => Step(s.Name, s.Delivered, s.RemoteIrr, source)));
        return trace;
    }

    private static List<Record> With(string name, long delivered, bool? rirr) =>
        [BroadcastOnly, .. Conforming().Select(r => r["step"] == name ? Step(name, delivered, rirr) : r)];

    private static List<Record> WithDirected(string name, long delivered, bool? rirr) =>
        [Directed, .. ConformingDirected().Select(r => r["step"] == name ? Step(name, delivered, rirr) : r)];

    [Fact]
    public void A_datasheet_conforming_trace_passes()
    {
        Assert.Empty(IoApicRules.Check([BroadcastOnly, .. Conforming()]));
        Assert.Empty(IoApicRules.Check([BroadcastOnly, .. Conforming("rtc")]));
        Assert.Empty(IoApicRules.Check([BroadcastOnly, .. Conforming(), .. Conforming("hpet")]));
        Assert.Empty(IoApicRules.Check([Directed, .. ConformingDirected(), .. ConformingDirected("hpet")]));
    }

    [Fact]
    public void Each_source_is_judged_on_its_own()
    {
        // The reference walks the script on the host's lines and on the HPET's: a fault on one source is not hidden by the other.
        var hpetRedeliveryLost = Conforming("hpet").Select(r => r["step"] == "eoi-redelivers" ? Step("eoi-redelivers", 0, true, "hpet") : r);
        var problems = IoApicRules.Check([BroadcastOnly, .. Conforming(), .. hpetRedeliveryLost]);
        Assert.StartsWith("hpet: eoi-redelivers: 0 messages for vector 0x58, expected 1", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hpet", 3)]
    [InlineData("rtc", 2)]
    public void Every_source_owes_the_simultaneous_edges(string source, int pins)
    {
        List<Record> trace = [BroadcastOnly, .. Conforming(source).Where(r => r["step"] != IoApicRules.SimultaneousEdges)];
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
        List<Record> lost = [BroadcastOnly, .. Conforming().Select(r => r["step"] == IoApicRules.SimultaneousEdges && r["pin"] == "18" ? Step(IoApicRules.SimultaneousEdges, 0, null, pin: 18) : r)];
        Assert.Contains(IoApicRules.Check(lost), p => p.StartsWith("host: simultaneous-edges pin 18: 0 messages", StringComparison.Ordinal));
        List<Record> missing = [BroadcastOnly, .. Conforming().Where(r => r["step"] != IoApicRules.SimultaneousEdges || r["pin"] != "19")];
        Assert.Contains(IoApicRules.Check(missing), p => p.StartsWith("host: simultaneous-edges: 2 pin records, expected 3", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_step_is_reported()
    {
        List<Record> trace = [BroadcastOnly, .. Conforming().Where(r => r["step"] != "level-held")];
        Assert.Equal("host: level-held: no observation (no EOI yet, line still asserted: remote IRR holds every further message)", Assert.Single(IoApicRules.Check(trace)));
    }

    [Fact]
    public void Without_the_ioapic_eoi_record_the_trace_is_not_judged_complete() =>
        Assert.Contains(IoApicRules.Check(Conforming()), p => p.StartsWith("no ioapic-eoi record", StringComparison.Ordinal));

    [Theory]
    [InlineData("RIG ioapic-eoi suppress_eoi_broadcast=1 ioapic_version=0x11")]
    [InlineData("RIG ioapic-eoi suppress_eoi_broadcast=0 ioapic_version=0x20")]
    public void Directed_EOI_needs_both_the_LAPIC_bit_and_the_IOAPIC_EOI_register(string line)
    {
        Assert.False(IoApicRules.OffersDirectedEoi(Parse(line)));
        Assert.Empty(IoApicRules.Check([Parse(line), .. Conforming()]));
    }

    [Fact]
    public void Where_directed_EOI_is_offered_every_source_owes_its_steps()
    {
        var problems = IoApicRules.Check([Directed, .. ConformingDirected(), .. Conforming("hpet")]);
        Assert.Contains("hpet: directed EOI offered but no ioapic-directed record (the SVR after setting bit 12)", problems);
        Assert.Contains(problems, p => p.StartsWith("hpet: directed-lapic-eoi: no observation", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.StartsWith("host:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_LAPIC_EOI_that_reaches_the_IOAPIC_despite_suppression_fails()
    {
        // rig-hv with directed-eoi-broadcasts: the LAPIC's EOI clears remote IRR and the still-asserted line comes again.
        var problems = IoApicRules.Check(WithDirected("directed-lapic-eoi", 1, true));
        Assert.StartsWith("host: directed-lapic-eoi: 1 messages for vector 0x58, expected 0", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_LAPIC_EOI_that_clears_remote_IRR_despite_suppression_fails() =>
        Assert.Contains(IoApicRules.Check(WithDirected("directed-lapic-eoi", 0, false)), p => p.StartsWith("host: directed-lapic-eoi: remote IRR 0, expected 1", StringComparison.Ordinal));

    [Fact]
    public void An_IOAPIC_EOI_register_that_does_not_redeliver_the_asserted_line_fails()
    {
        var problems = IoApicRules.Check(WithDirected("directed-ioapic-eoi", 0, true));
        Assert.Contains(problems, p => p.StartsWith("host: directed-ioapic-eoi: 0 messages for vector 0x58, expected 1", StringComparison.Ordinal));
    }

    [Fact]
    public void An_IOAPIC_EOI_register_that_leaves_remote_IRR_set_fails() =>
        Assert.Contains(IoApicRules.Check(WithDirected("directed-deasserted-eoi", 0, true)), p => p.StartsWith("host: directed-deasserted-eoi: remote IRR 1, expected 0", StringComparison.Ordinal));

    [Theory]
    [InlineData("0x1ff")]
    [InlineData("zz")]
    public void An_SVR_that_drops_bit_12_fails(string svr)
    {
        var problems = IoApicRules.Check([Directed, .. ConformingDirected(svr: svr)]);
        Assert.Equal($"host: SVR {svr} after setting bit 12: EOI-broadcast suppression offered (version bit 24) but the bit did not stay set (SDM 12.8.5)", Assert.Single(problems));
    }
}
