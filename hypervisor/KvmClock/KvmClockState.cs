namespace Rig.Hypervisor.KvmClock;

/// <summary>
/// What a snapshot keeps of kvmclock: the MSR values the guest wrote (where its records and wall clock live, and
/// which MSR the boot vCPU used). The records themselves are in guest RAM and are rewritten after a revert.
/// </summary>
public sealed record KvmClockState(IReadOnlyList<ulong> SystemTimeMsrs, ulong WallClockMsr, bool BootVcpuUsesLegacyMsr);
