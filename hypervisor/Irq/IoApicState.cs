namespace Rig.Hypervisor.Irq;

/// <summary>The IOAPIC for snapshot save and revert: its ID, IOREGSEL, the 24 redirection entries (remote IRR included) and the input levels.</summary>
public sealed record IoApicState(uint Id, uint Select, ulong[] Redirection, bool[] Lines);
