namespace Rig.Hypervisor.Vm;

/// <summary>
/// `RIG host-late vcpu=N asked_tsc=0x… woke_tsc=0x… tsc_khz=K timer_cpu=C cpu=C`, written by rig-hv on its stderr:
/// rig-hv had asked its host to take vCPU N out of the guest by asked_tsc (that vCPU's TSC) — a POSIX timer aimed at
/// the vCPU thread for a device timer's deadline, or a signal for an event another thread raised — and KVM_RUN returned
/// only at woke_tsc, the guest running on meanwhile. That stretch is the host's (a host that is itself a VM delivers
/// its own timer interrupts milliseconds late in bursts: docs/notes/apic.md), not the VMM's: an oracle that bounds a
/// delivery's latency by the vCPU's run time excuses it as it excuses time the probe saw it did not run.
/// timer_cpu is the host CPU the POSIX timer was armed on, cpu the one the vCPU thread returned on. Only stretches
/// longer than <see cref="ReportAfterNs"/> are written. Compiled into rig-hv and into Rig.Core (RigCase.HostRecords).
/// </summary>
public static class HostLateRecord
{
    public const string Kind = "host-late";
    public const string Vcpu = "vcpu";
    public const string AskedTsc = "asked_tsc";
    public const string WokeTsc = "woke_tsc";
    public const string TscKhz = "tsc_khz";
    public const string TimerCpu = "timer_cpu";
    public const string Cpu = "cpu";

    /// <summary>A kick's usual return is well under this (Rig.Bench.Hypervisor timers: p99 20 µs), so records stay rare.</summary>
    public const long ReportAfterNs = 50_000;
}
