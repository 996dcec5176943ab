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
    object? Lapic,
    byte[]? KernelLapic,
    uint KernelMpState);

/// <summary>An in-memory snapshot of the whole VM: all RAM, every vCPU, the kvmclock base (KVM_GET_CLOCK) and where the Xen interface's pages are.</summary>
public sealed record VmSnapshot(byte[] Memory, IReadOnlyList<VcpuSnapshot> Vcpus, ulong KvmClockNs, XenGuestState Xen)
{
    /// <summary>rig-hv's own kvmclock MSRs; null with --irqchip kernel, where KVM's kvmclock MSRs travel with the vCPUs'.</summary>
    public KvmClockState? KvmClock { get; init; }
}
