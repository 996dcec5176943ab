namespace Rig.Hypervisor.Irq;

/// <summary>
/// One interrupt message on the APIC bus, from an ICR write (SDM Vol. 3A 12.6.1) or an IOAPIC redirection entry.
/// <paramref name="Broadcast"/> is the destination value that means "every LAPIC": 0xFF for 8-bit destinations (xAPIC ICR,
/// IOAPIC), 0xFFFF_FFFF for 32-bit x2APIC destinations (SDM 12.12.9).
/// </summary>
public readonly record struct ApicMessage(
    DeliveryMode Mode,
    byte Vector,
    bool LevelTriggered,
    bool LogicalDestination,
    uint Destination,
    uint Broadcast,
    DestinationShorthand Shorthand = DestinationShorthand.None);
