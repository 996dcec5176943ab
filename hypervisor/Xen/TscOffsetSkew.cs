using Rig.Hypervisor.Defects;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// The tsc-offset-skew defect: the VMM core asks here for the offset to program into each vCPU (KVM_SET_TSC / TSC
/// offset), and with the defect on vCPU 1 is set 20 µs worth of ticks behind the others. That is "a little off" next
/// to a second of run time, but two orders of magnitude above the cross-vCPU ordering latency of a shared cache line,
/// so an ordered RDTSC on vCPU 0 then vCPU 1 goes backward: a TSC warp. Guests treat the TSCs of all processors of
/// a machine with an invariant TSC (SDM Vol. 3B, "Time-Stamp Counter", invariant TSC) as one clock; Linux's
/// check_tsc_warp() looks for exactly this step. On kvm_pvm a TSC write has no effect (measured: after WRMSR IA32_TSC=0
/// both RDTSC and RDMSR still read the host's count), so there the skew can only live in the VMM's own view of vCPU 1's
/// TSC (<see cref="IGuestTscSource.GuestTscAt"/>); the Xen pvclock and rig-hv's kvmclock then pair the wrong TSC with the
/// system time and vCPU 1's clock runs 20 µs ahead of vCPU 0's, a cross-vCPU step that the stable bit forbids.
/// </summary>
public static class TscOffsetSkew
{
    /// <summary>The vCPU whose offset is skewed: the first application processor, present in every SMP case.</summary>
    public const int SkewedVcpu = 1;

    /// <summary>The skew as a fraction of a second: 1/50000 s = 20 µs.</summary>
    public const ulong SkewDivisor = 50_000;

    /// <summary>Ticks the skewed vCPU's TSC is set behind at <paramref name="tscHz"/>.</summary>
    public static ulong SkewTicks(ulong tscHz) => tscHz / SkewDivisor;

    /// <summary>
    /// The TSC value to write for <paramref name="vcpu"/> when the core wants it to read <paramref name="intendedTsc"/>:
    /// unchanged unless the defect is on and this is the skewed vCPU.
    /// </summary>
    public static ulong Apply(DefectSet defects, int vcpu, ulong intendedTsc, ulong tscHz) =>
        defects.IsOn(DefectCatalog.TscOffsetSkew) && vcpu == SkewedVcpu
            ? intendedTsc - SkewTicks(tscHz)
            : intendedTsc;
}
