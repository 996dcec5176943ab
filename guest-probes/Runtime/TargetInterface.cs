namespace Rig.Guest;

/// <summary>An interface of the target a probe can use (<see cref="InterfaceUse"/>).</summary>
public enum TargetInterface
{
    Xapic,
    X2apic,
    TscDeadline,
    Kvmclock,
    Xen,
    Ioapic,
    Hpet,
    Pit,
    Rdtscp,
    Rtc,
    DirectedEoi,
}
