using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Devices;
using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// The PC interrupt wiring when KVM has no in-kernel irqchip (the default): a LAPIC per vCPU on one APIC bus, the IOAPIC
/// at 0xFEC00000, the 8259 pair as the ExtINT source, the 8254 whose OUT0 drives ISA IRQ0 on the 8259 and GSI 2 on
/// the IOAPIC, as the MADT's interrupt source override says (AcpiTables), and the HPET at 0xFED00000, whose legacy
/// replacement mode takes IRQ0 from the PIT (HPET spec 1.0a, 2.3.9.2.2). Every timer is served by its vCPU or the timer thread (TimerQueue), the platform's by the BSP. Without
/// <c>pcChipset</c> (the xen-pvh machine) only the LAPICs are reachable: the chipset is built but on no bus.
/// </summary>
public sealed class UserInterruptControllers : IPersistentDevice<ChipsetState>, IDisposable
{
    private const int PitGsi = 2;
    private readonly TimerQueue _timers;

    public UserInterruptControllers(IReadOnlyList<Vcpu> vcpus, GuestClock clock, DefectSet defects, PortBus ports, MmioBus mmio, bool pcChipset = true)
    {
        PcChipset = pcChipset;
        _timers = new TimerQueue(clock, platformDoorbell: vcpus[0]);
        Bus = new ApicBus();
        foreach (var vcpu in vcpus)
        {
            vcpu.Lapic = new Lapic(vcpu.Id, clock, vcpu, Bus, _timers, defects);
        }

        IoApic = new IoApic(Bus, defects, AcpiTables.IoApicId, AcpiTables.IoApicAddress);
        Pic = new Pic8259(Bus);
        Hpet = new Hpet(clock, _timers, IoApic.SetIrq, Pic.SetIrq);
        Pit = new Pit8254(clock, _timers, level =>
        {
            if (!Hpet.LegacyReplacement)
            {
                Pic.SetIrq(0, level);
                IoApic.SetIrq(PitGsi, level);
            }
        });
        if (pcChipset)
        {
            mmio.Add(IoApic);
            mmio.Add(Hpet);
            ports.Add(Pic);
            ports.Add(Pit);
        }
    }

    /// <summary>The IOAPIC, 8259s, 8254 and HPET are on the buses (false: a xen-pvh machine, LAPICs alone).</summary>
    public bool PcChipset { get; }

    public ApicBus Bus { get; }

    public IoApic IoApic { get; }

    public Pic8259 Pic { get; }

    public Pit8254 Pit { get; }

    public Hpet Hpet { get; }

    /// <summary>System RESET of the chipset's interrupt controllers; each LAPIC is reset with its vCPU.</summary>
    public void Reset()
    {
        IoApic.Reset();
        Pic.Reset();
        Pit.Reset();
        Hpet.Reset();
    }

    public ChipsetState Save() => new(IoApic.Save(), Pic.Save(), Pit.Save(), Hpet.Save());

    /// <summary>The controllers first, the timers last, so an expiry due at once already meets the restored routes.</summary>
    public void Restore(ChipsetState state)
    {
        IoApic.Restore(state.IoApic);
        Pic.Restore(state.Pic);
        Hpet.Restore(state.Hpet);
        Pit.Restore(state.Pit);
    }

    /// <summary>Fires the device timers now due; a vCPU thread calls it between two KVM_RUNs (TimerQueue).</summary>
    public void ServeDueTimers() => _timers.RunDue();

    /// <summary>The vCPU is about to wait in the VMM: its timers become the timer thread's alone (TimerQueue).</summary>
    public void VcpuSleeps(Vcpu vcpu) => _timers.VcpuSleeps(vcpu);

    public void Dispose() => _timers.Dispose();
}
