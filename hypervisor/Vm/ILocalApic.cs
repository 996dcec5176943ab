using Rig.Hypervisor.Devices;
using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// What a vCPU's run loop needs from its local APIC when KVM has no in-kernel irqchip: the xAPIC page and the MSRs it
/// owns, the non-maskable events it holds for the CPU, the INTA cycle, RESET/INIT, and its state for snapshots.
/// The LAPIC itself lives in Irq/ (another part); this is the seam the vCPU loop is written against.
/// </summary>
public interface ILocalApic : IPersistentDevice<LapicState>
{
    ulong ApicBaseMsr { get; }

    bool X2ApicMode { get; }

    /// <summary>TPR bits 7:4 as CR8 (SDM Vol. 3 12.8.6.1); KVM without an in-kernel LAPIC hands CR8 over in kvm_run.</summary>
    ulong Cr8 { get; set; }

    ulong ReadMmio(ulong offset, int size);

    void WriteMmio(ulong offset, int size, ulong value);

    /// <summary>False: the MSR is not the APIC's or the access is illegal, and the vCPU gets #GP.</summary>
    bool TryReadMsr(uint msr, out ulong value);

    bool TryWriteMsr(uint msr, ulong value);

    bool TakeNmi();

    bool TakeInit();

    bool TakeSipi(out byte vector);

    bool HasDeliverableInterrupt { get; }

    /// <summary>The INTA cycle: highest IRR above PPR moves to ISR (SDM Vol. 3 12.8.4).</summary>
    bool TryAcknowledge(out byte vector);

    void Reset();

    void Init();

    /// <summary>The vCPU executed HLT (seeded defect self-ipi-waits-for-halt: the self-IPIs held until now are sent).</summary>
    void OnHalt();
}
