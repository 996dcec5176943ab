namespace Rig.Hypervisor.Irq;

/// <summary>
/// The time base the interrupt controllers count against: host CLOCK_MONOTONIC for the LAPIC timer and the PIT, and each
/// vCPU's TSC for the TSC-deadline timer (SDM Vol. 3A 12.5.4.1). Implemented by the vCPU core; tests use a fake they advance.
/// </summary>
public interface IGuestClock
{
    /// <summary>Host CLOCK_MONOTONIC in nanoseconds.</summary>
    long NowNs { get; }

    ulong TscHz { get; }

    /// <summary>The TSC that vCPU <paramref name="vcpu"/> would read now.</summary>
    ulong GuestTsc(int vcpu);
}
