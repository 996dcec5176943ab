namespace Rig.Hypervisor.Qmp;

/// <summary>
/// The reference hypervisor's own operations, served as vendor commands ("x-rig-*", as QEMU prefixes its unstable
/// ones with "x-"): in-memory snapshots with the forced calibration race, the Xen clock's calibration, seeded defects
/// and the event-channel backend. A VM without them still answers every QEMU command of <see cref="IVmControl"/>.
/// </summary>
public interface IVendorVmControl : IVmControl
{
    void SaveSnapshot(string name);

    /// <summary>
    /// Reverts to snapshot <paramref name="name"/>; with <paramref name="calibrateDuring"/> a clock calibration runs
    /// inside the revert, between its TSC latch and its recompute (seed 000's race, forced).
    /// </summary>
    void RevertSnapshot(string name, bool calibrateDuring);

    IReadOnlyList<string> Snapshots { get; }

    IReadOnlyCollection<string> EnabledDefects { get; }

    void EnableDefect(string name);

    /// <summary>Runs the Xen clock's calibration rendezvous now; returns how many have run since boot.</summary>
    long CalibrateClock();

    /// <summary>Sets the period of the Xen clock's calibration timer (Xen: EPOCH, 1 s).</summary>
    void SetCalibrationPeriod(TimeSpan period);

    /// <summary>Holds every time-record update half written for <paramref name="hold"/> (time.torn-record; zero: off).</summary>
    void HoldTimeRecordUpdates(TimeSpan hold);

    /// <summary>The Xen event channels the host backend drives (x-rig-evtchn-*); null when the VM offers none.</summary>
    Rig.Hypervisor.Xen.XenEventChannels? EventChannels { get; }

    /// <summary>The user-space IOAPIC whose inputs x-rig-ioapic-set-irq drives; null with KVM's irqchip or without a PC chipset.</summary>
    Rig.Hypervisor.Irq.IoApic? IoApic { get; }

    /// <summary>Which of the VMM's handlers guest inputs reached (x-rig-coverage, for <c>rig fuzz</c>).</summary>
    Rig.Hypervisor.Coverage.HandlerCoverage Coverage { get; }
}
