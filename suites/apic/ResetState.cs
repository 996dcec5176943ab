using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Apic.Oracles;

namespace Rig.Suites.Apic;

/// <summary>
/// apic.reset-state (seed 001): after each kind of reset — QMP system_reset, port 0xCF9, the 8042's 0xFE —
/// every LAPIC register the guest can read, in xAPIC and x2APIC mode, holds its reset value, whatever the
/// previous boot left in it (a vector in service, another requested, a periodic timer armed); every IOAPIC
/// redirection entry is masked again, though the previous boot had routed two; and the PIT, the PICs and the HPET are
/// back in their power-on state, though the previous boot had programmed them.
/// </summary>
[TestFixture]
public sealed class ResetState
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, vcpus: 2);
        var exit = await c.RunToExitAsync(Bound);

        // A target without what the probe needs (Xen PVH: no reset, CMOS, PIT, HPET, IOAPIC) is a skip naming the case;
        // a skip of one of its parts (….cf9 reset-had-no-effect: QEMU's microvm has no 0xCF9) is a note, and it goes on.
        if (c.CompleteIfProbeSkippedWholeCase())
        {
            return;
        }
        c.Oracle("SDM Vol. 3A 12.4.7.1: after RESET, IRR/ISR/TMR/ICR/LDR/TPR and the timer counts and divider are 0, " +
                 "DFR all 1s, LVTs masked, SVR 0xFF, version and APIC ID unchanged, xAPIC mode");
        var records = c.Records;
        var dumps = records.Where(r => r.Kind == "lapic").ToList();
        if (dumps.Count == 0)
        {
            c.Error($"the probe printed no LAPIC dump; {exit}");
        }

        foreach (var dump in dumps)
        {
            var before = Observations.DirtyBefore(records, dump);
            var bad = LapicResetState.Check(dump, before);
            c.Report(bad.Count == 0, $"after {dump["after"]} ({dump["mode"]}, cpu {dump["cpu"]}): " + (bad.Count == 0
                ? "every register at its reset value"
                : string.Join("; ", bad.Select(b => $"{b.Register}={b.Actual}, expected {b.Expected} ({b.Rule})"))));
        }

        c.Oracle("82093AA data sheet 3.2.4: RESET masks every IOAPIC redirection entry (read before the probe touches it)");
        foreach (var dirty in records.Where(r => r.Kind == "ioapic" && r["after"] == "dirty"))
        {
            c.Evidence("observed before a reset: " + dirty.Line);
            c.Report(dirty["unmasked"] is not (null or "0x0"), "the boot before the reset left IOAPIC pins routed");
        }

        var ioapics = records.Where(r => r.Kind == "ioapic" && r["after"] != "dirty").ToList();
        foreach (var ioapic in ioapics)
        {
            c.Evidence("observed: " + ioapic.Line);
            var problem = IoApicResetState.Check(ioapic);
            c.Report(problem is null, problem ?? $"after {ioapic["after"]}: " +
                (ioapic["present"] == "1" ? "every IOAPIC redirection entry masked" : "no IOAPIC on this target"));
        }

        c.Report(ioapics.Count > 0, $"the probe read the IOAPIC after the resets ({ioapics.Count} readings)");
        c.Oracle("8254, 8259A data sheets, IA-PC HPET 1.0a 2.3.5/2.3.8: a reset returns the PIT and the PICs to their " +
                 "power-on state and halts the HPET with its interrupts disabled (read before the probe touches them)");
        foreach (var device in records.Where(r => r.Kind is "pit" or "pic" or "hpet"))
        {
            c.Evidence("observed: " + device.Line);
        }

        c.ReportAll(PlatformResetState.Check(records));
        foreach (var note in PlatformResetState.Notes(records))
        {
            c.Evidence("note: " + note);
        }
        c.Finish(exit, "every reset left the LAPIC, IOAPIC, PIT, PICs and HPET in their reset state");
    }
}
