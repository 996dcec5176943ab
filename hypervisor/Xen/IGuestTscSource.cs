namespace Rig.Hypervisor.Xen;

/// <summary>
/// The guest's view of the TSC, supplied by the VMM core. The Xen clock keeps its calibration stamps in guest TSC
/// units, so what it publishes (tsc_timestamp) is directly comparable with what the guest's RDTSC returns.
/// </summary>
public interface IGuestTscSource
{
    /// <summary>Guest TSC frequency, from which the tick-to-nanosecond scale is derived.</summary>
    ulong TscHz { get; }

    /// <summary>
    /// What RDTSC on <paramref name="vcpu"/> would return now (host TSC plus that vCPU's offset). Must be callable from
    /// any thread, including while the vCPU runs, so it is a computation, not a vCPU ioctl.
    /// </summary>
    ulong GuestTsc(int vcpu);
}
