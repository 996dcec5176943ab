namespace Rig.Hypervisor.Irq;

/// <summary>
/// An 8259-style controller behind ExtINT delivery (SDM Vol. 3A 12.5.1, "ExtINT"): the LAPIC does not take a vector from
/// its own registers but runs an INTA cycle on the external controller, which supplies it.
/// </summary>
public interface IExtIntSource
{
    /// <summary>The controller's INT output: it has an unmasked request it would acknowledge.</summary>
    bool HasInterrupt { get; }

    /// <summary>The INTA cycle: returns the vector (the spurious IRQ7/IRQ15 vector when the request went away).</summary>
    byte Acknowledge();
}
