namespace Rig.Hypervisor.Irq;

/// <summary>
/// The delivery-mode field shared by the ICR, the LVT entries and the IOAPIC redirection entries
/// (SDM Vol. 3A 12.5.1 and 12.6.1; 82093AA IOAPIC datasheet 3.2.4). Value 3 is reserved everywhere; ExtINT is not legal in the ICR.
/// </summary>
public enum DeliveryMode : byte
{
    Fixed = 0,
    LowestPriority = 1,
    Smi = 2,
    Nmi = 4,
    Init = 5,
    StartUp = 6,
    ExtInt = 7,
}
