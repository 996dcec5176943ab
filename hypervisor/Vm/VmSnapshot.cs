using Rig.Hypervisor.Devices;
using Rig.Hypervisor.Irq;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.KvmClock;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// One vCPU as a snapshot keeps it: KVM's registers, FPU/XSAVE, pending events, MSRs (IA32_TSC included), our activity
/// and LAPIC, or with the in-kernel irqchip KVM's LAPIC page and multiprocessing state.
/// </summary>
public sealed record VcpuSnapshot(
    KvmRegs Regs,
    KvmSregs Sregs,
    byte[] Xsave,
    byte[] Events,
    ulong[] Msrs,
    VcpuActivity Activity,
    LapicState? Lapic,
    byte[]? KernelLapic,
    uint KernelMpState);

/// <summary>
/// An in-memory snapshot of the whole VM: all RAM, every vCPU, the kvmclock base (KVM_GET_CLOCK), where the Xen
/// interface's pages are, and every device.
/// </summary>
public sealed record VmSnapshot(byte[] Memory, IReadOnlyList<VcpuSnapshot> Vcpus, ulong KvmClockNs, XenGuestState Xen, PlatformState Platform)
{
    /// <summary>rig-hv's own kvmclock MSRs; null with --irqchip kernel, where KVM's kvmclock MSRs travel with the vCPUs'.</summary>
    public KvmClockState? KvmClock { get; init; }
}

/// <summary>
/// The platform devices as a snapshot keeps them: CMOS, both UARTs and, with the user-space irqchip, the chipset's
/// controllers and timers (with <c>--irqchip kernel</c> those are KVM's, and a snapshot does not yet carry them).
/// </summary>
public sealed record PlatformState(CmosState Cmos, UartState Com1, UartState Com2, ChipsetState? Chipset);
