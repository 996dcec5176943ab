using Rig.Hypervisor.Devices;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// The PC devices beside the CPUs: CMOS, both UARTs and, with the user-space irqchip, the chipset (IOAPIC, 8259s, 8254,
/// HPET). Each saves and restores its own state (<see cref="IPersistentDevice{TState}"/>); this only gathers them.
/// </summary>
internal sealed record PlatformDevices(CmosRtc Cmos, Uart16550 Com1, Uart16550 Com2, UserInterruptControllers? Chipset)
{
    public PlatformState Save() => new(Cmos.Save(), Com1.Save(), Com2.Save(), Chipset?.Save());

    public void Restore(PlatformState state)
    {
        Cmos.Restore(state.Cmos);
        Com1.Restore(state.Com1);
        Com2.Restore(state.Com2);
        if (state.Chipset is { } chipset)
        {
            Chipset?.Restore(chipset);
        }
    }
}
