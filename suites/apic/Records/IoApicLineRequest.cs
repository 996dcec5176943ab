namespace Rig.Suites.Apic.Records;

/// <summary>
/// `ioapic-set-irq pins=MASK level=0|1`: the COM2 request by which probes/IoApic.cs has the host drive IOAPIC inputs
/// (IoApic.cs → rig-hv's x-rig-ioapic-set-irq). Compiled into the probe and the case, so a rename on one
/// side fails the build, not a run.
/// </summary>
public static class IoApicLineRequest
{
    public const string Action = "ioapic-set-irq";

    /// <summary>Bit n drives GSI n.</summary>
    public const string Pins = "pins";

    /// <summary>1 asserts the lines, 0 deasserts them.</summary>
    public const string Level = "level";
}
