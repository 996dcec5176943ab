using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class PriorityRulesTests
{
    private static Record Step(PriorityStep s, string? delivered = null, int? ppr = null, int[]? isr = null) =>
        RecordParser.TryParse(
            $"RIG prio step={s.Name} delivered={delivered ?? Delivered(s)} ppr=0x{ppr ?? s.PprClass:x} " +
            $"isr={Vectors.Bits(isr ?? s.InService)} irr={Vectors.Bits(s.Requested)}")!;

    private static string Delivered(PriorityStep s) =>
        s.Delivered.Length == 0 ? "none" : string.Join("+", s.Delivered.Select(v => $"0x{v:x}"));

    [Fact]
    public void An_sdm_conforming_trace_passes() =>
        Assert.Empty(PriorityRules.Check(PriorityRules.Script.Select(s => Step(s)).ToList()));

    [Fact]
    public void Auto_eoi_lapic_is_caught()
    {
        // What this machine's in-kernel LAPIC (kvm_pvm) does: ISR and PPR never set, so 0x51 is not held.
        var trace = PriorityRules.Script.Select(s => s.Name switch
        {
            "first" => Step(s, ppr: 0, isr: []),
            "same-class-held" => Step(s, delivered: "0x51", ppr: 0, isr: []),
            _ => Step(s),
        }).ToList();
        var problems = PriorityRules.Check(trace);
        Assert.Contains(problems, p => p.StartsWith("same-class-held: delivered {0x51}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("first: PPR 0x0", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_step_is_reported()
    {
        var trace = PriorityRules.Script.Skip(1).Select(s => Step(s)).ToList();
        Assert.Equal("first: no observation (self-IPI 0x50, handler takes it and does not EOI)", Assert.Single(PriorityRules.Check(trace)));
    }
}
