using System.Text.Json.Nodes;
using NUnit.Framework;
using Rig.Cases;
using Rig.Com2;
using Rig.Suites.Apic.Oracles;
using Rig.Suites.Apic.Records;

namespace Rig.Suites.Apic;

/// <summary>
/// apic.io-apic: the IOAPIC's own delivery rules on inputs the rig controls, once per source a target has (the
/// reference's host-driven lines; the HPET's timers in level mode wherever there is an HPET; elsewhere the RTC's IRQ on
/// GSI 8, which stays asserted until register C is read): edge and level delivery, remote IRR from delivery until the
/// EOI, re-delivery of a still-asserted level line after the EOI and after unmasking, and edges on several pins at once;
/// where the target offers directed EOI (rig.json <c>offers</c>: <c>directed-eoi</c> on the reference), the level line
/// with the LAPIC's EOI broadcast suppressed, ended through the IOAPIC's EOI register (SDM Vol. 3A 12.8.5).
/// A hypervisor that forgets a still-asserted level line at the EOI (ioapic-level-no-redeliver) leaves a device that
/// still wants service unheard: an interrupt storm's opposite, a hang. One that broadcasts the EOI although the guest
/// suppressed it (directed-eoi-broadcasts) re-sends the line while the guest still services it: the storm.
/// </summary>
[TestFixture]
public sealed class IoApic
{
    /// <summary>
    /// COM2 `ioapic-set-irq pins=MASK level=0|1`: the reference drives those IOAPIC inputs itself (rig-hv's
    /// x-rig-ioapic-set-irq), a line the rig controls. A target without the command acks err, and the probe falls back to
    /// a line it can drive from the guest (the RTC).
    /// </summary>
    private static VendorCommandAction LineActions() => new(IoApicLineRequest.Action, "x-rig-ioapic-set-irq", "drive an IOAPIC input",
        request => new JsonObject { ["pins"] = request.GetUInt64(IoApicLineRequest.Pins), ["level"] = request.GetUInt64(IoApicLineRequest.Level) != 0 });

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: "settle_us=20000", hostActions: LineActions());
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));

        // A target without an IOAPIC or any line to drive (Xen PVH) is a skip naming the case; the RTC source's skip of
        // simultaneous-edges (one line) is a note, and the rest is judged.
        if (c.CompleteIfProbeSkippedWholeCase())
        {
            return;
        }

        c.Oracle("82093AA I/O APIC datasheet 3.2.4 (trigger mode, remote IRR, mask) and SDM Vol. 3A 12.8.5 (EOI to the " +
                 "I/O APICs): an edge entry sends one message per rising edge; a level entry sends one, sets remote IRR " +
                 "until the EOI for its vector, and sends again while the line is still asserted at that EOI or at unmask; " +
                 "with EOI-broadcast suppression (SVR bit 12) that EOI is the write to the IOAPIC's EOI register, not the LAPIC's");
        var eoi = c.Records.FirstOrDefault(r => r.Kind == IoApicRules.EoiKind);
        bool directed = eoi is not null && IoApicRules.OffersDirectedEoi(eoi);
        if (eoi is not null)
        {
            c.Evidence(directed
                ? $"directed EOI (SDM 12.8.5) offered: LAPIC version bit 24 set, IOAPIC version {eoi["ioapic_version"]}; judged by the directed-* steps"
                : $"directed EOI (SDM 12.8.5) not offered: LAPIC version bit 24 (EOI-broadcast suppression) {eoi["suppress_eoi_broadcast"]}, IOAPIC version {eoi["ioapic_version"]} (an EOI register from 0x20 on); EOIs are broadcast");
        }

        var steps = c.Records.Where(r => r.Kind == IoApicRules.Kind).ToList();
        if (steps.Count == 0)
        {
            c.Error($"the probe printed no observation; {exit}");
        }

        foreach (var step in c.Records.Where(r => r.Kind is IoApicRules.Kind or IoApicRules.DirectedKind))
        {
            c.Evidence("observed: " + step.Line);
        }

        c.ReportAll(IoApicRules.Check(c.Records));
        var sources = string.Join(", ", steps.Select(r => r["source"]).Distinct(StringComparer.Ordinal));
        var directedSteps = directed ? $" and the {IoApicRules.DirectedEoiScript.Count} directed-EOI steps" : "";
        c.Finish(exit, $"all {IoApicRules.Script.Count} steps{directedSteps} as the 82093AA datasheet and SDM 12.8.5 say on each source ({sources})");
    }
}
