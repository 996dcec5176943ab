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
/// EOI, re-delivery of a still-asserted level line after the EOI and after unmasking, and edges on several pins at once.
/// A hypervisor that forgets a still-asserted level line at the EOI (ioapic-level-no-redeliver) leaves a device that
/// still wants service unheard: an interrupt storm's opposite, a hang.
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
                 "until the EOI for its vector, and sends again while the line is still asserted at that EOI or at unmask");
        if (c.Records.FirstOrDefault(r => r.Kind == "ioapic-eoi") is { } eoi)
        {
            c.Evidence(eoi["suppress_eoi_broadcast"] == "1"
                ? $"directed EOI (SDM 12.8.5) offered (LAPIC version bit 24, IOAPIC version {eoi["ioapic_version"]}) but not exercised: the script ends level interrupts by the EOI broadcast"
                : $"directed EOI (SDM 12.8.5) not offered: LAPIC version bit 24 clear (IOAPIC version {eoi["ioapic_version"]}); EOIs are broadcast");
        }

        var steps = c.Records.Where(r => r.Kind == IoApicRules.Kind).ToList();
        if (steps.Count == 0)
        {
            c.Error($"the probe printed no observation; {exit}");
        }

        foreach (var step in steps)
        {
            c.Evidence("observed: " + step.Line);
        }

        c.ReportAll(IoApicRules.Check(steps));
        var sources = string.Join(", ", steps.Select(r => r["source"]).Distinct(StringComparer.Ordinal));
        c.Finish(exit, $"all {IoApicRules.Script.Count} steps as the 82093AA datasheet says on each source ({sources})");
    }
}
