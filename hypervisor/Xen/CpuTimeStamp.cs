namespace Rig.Hypervisor.Xen;

/// <summary>
/// Xen's <c>struct cpu_time_stamp</c> (xen/arch/x86/time.c): the TSC and the system time (ns) taken together at the
/// last calibration, and the platform timer's system time at that rendezvous. Here the TSC is the vCPU's guest TSC,
/// so (LocalTsc, LocalStime) is directly what vcpu_time_info publishes; the platform timer is host CLOCK_MONOTONIC.
/// </summary>
public readonly record struct CpuTimeStamp(ulong LocalTsc, long LocalStime, long MasterStime);
