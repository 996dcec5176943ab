namespace Rig.Hypervisor.Xen;

/// <summary>
/// The guest's view of the TSC, supplied by the VMM core. The Xen clock keeps its calibration stamps in guest TSC
/// units, so what it publishes (tsc_timestamp) is directly comparable with what the guest's RDTSC returns. Every vCPU's
/// TSC is a function of one reference counter (the host TSC), which lets the kvmclock publisher state all vCPUs' TSCs
/// at one moment, as KVM's master clock does.
/// </summary>
public interface IGuestTscSource
{
    /// <summary>Guest TSC frequency, from which the tick-to-nanosecond scale is derived.</summary>
    ulong TscHz { get; }

    /// <summary>
    /// True when every vCPU's TSC is the reference plus one common offset, so TSCs read on different vCPUs at the same
    /// moment are equal: KVM's "vcpus_matched", without which it sets no PVCLOCK_TSC_STABLE_BIT.
    /// </summary>
    bool TscsMatched { get; }

    /// <summary>The reference counter now. Callable from any thread.</summary>
    ulong ReferenceTsc();

    /// <summary>What RDTSC on <paramref name="vcpu"/> returned when the reference counter read <paramref name="referenceTsc"/>.</summary>
    ulong GuestTscAt(int vcpu, ulong referenceTsc);

    /// <summary>
    /// What RDTSC on <paramref name="vcpu"/> would return now (host TSC plus that vCPU's offset). Must be callable from
    /// any thread, including while the vCPU runs, so it is a computation, not a vCPU ioctl.
    /// </summary>
    ulong GuestTsc(int vcpu) => GuestTscAt(vcpu, ReferenceTsc());
}
