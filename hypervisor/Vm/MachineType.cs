namespace Rig.Hypervisor.Vm;

/// <summary>
/// What the guest finds around its vCPUs (rig-hv <c>--machine</c>). <see cref="Pc"/>: the PC the probes were written
/// for (COM1/COM2, CMOS, isa-debug-exit, 0xCF9, PIC, PIT, IOAPIC, HPET), with Xen's HVM interface beside KVM's leaves.
/// <see cref="XenPvh"/>: what Xen gives a PVH domU, so the probe runtime's Xen path runs on every CI run without a Xen:
/// Xen's CPUID leaves at 0x40000000 and no KVM leaves, the hypercall page, shared_info, event channels, the PV console
/// as the only channel, SCHEDOP_shutdown as the exit, a LAPIC per vCPU and no legacy device (Xen's PVH domU is created
/// with XEN_X86_EMU_LAPIC alone: tools/libs/light/libxl_x86.c, public/arch-x86/xen.h).
/// </summary>
public enum MachineType
{
    Pc,
    XenPvh,
}
