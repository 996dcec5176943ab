namespace Rig.Hypervisor.KvmClock;

/// <summary>
/// The kvmclock MSRs (Linux Documentation/virt/kvm/x86/msr.rst, arch/x86/include/uapi/asm/kvm_para.h): the guest names
/// where it wants the boot wall time and each vCPU's pvclock_vcpu_time_info. The "_NEW" pair at 0x4b564d00 is the
/// current interface (KVM_FEATURE_CLOCKSOURCE2); 0x11/0x12 are the original ones (KVM_FEATURE_CLOCKSOURCE).
/// </summary>
public static class KvmClockMsr
{
    public const uint WallClock = 0x11;
    public const uint SystemTime = 0x12;
    public const uint WallClockNew = 0x4b56_4d00;
    public const uint SystemTimeNew = 0x4b56_4d01;

    /// <summary>Bit 0 of a system-time MSR value: the record at the rest of the address is kept up to date.</summary>
    public const ulong Enable = 1;

    /// <summary>The MSR filter ranges that bring both pairs to user space instead of KVM's own kvmclock.</summary>
    public static IReadOnlyList<(uint First, uint Count)> FilterRanges { get; } = [(WallClock, 2), (WallClockNew, 2)];

    public static bool IsKvmClock(uint msr) => msr is WallClock or SystemTime or WallClockNew or SystemTimeNew;
}
