namespace Rig.Hypervisor.Irq;

/// <summary>The local vector table entries (SDM Vol. 3A 12.5.1), in the order the LAPIC stores them.</summary>
public enum LvtEntry
{
    Cmci,
    Timer,
    Thermal,
    PerformanceCounter,
    Lint0,
    Lint1,
    Error,
}
