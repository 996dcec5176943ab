namespace Rig.Hypervisor.Irq;

/// <summary>ICR bits 19:18 (SDM Vol. 3A 12.6.1).</summary>
public enum DestinationShorthand : byte
{
    None = 0,
    Self = 1,
    AllIncludingSelf = 2,
    AllExcludingSelf = 3,
}
