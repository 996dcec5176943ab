namespace Rig.Hypervisor.Defects;

/// <summary>Every seeded defect by name. A suite that models a new bug adds its defect here.</summary>
public static class DefectCatalog
{
    public const string StaleLapicOnReset = "stale-lapic-on-reset";
    public const string TimerLostOnReset = "timer-lost-on-reset";
    public const string UnsignedScaleDelta = "unsigned-scale-delta";
    public const string TscOffsetSkew = "tsc-offset-skew";

    public static IReadOnlyList<Defect> All { get; } =
    [
        new(StaleLapicOnReset, "001", "apic",
            "System reset leaves the LAPIC's ISR and IRR (and so the highest requested vector, RVI) as they were, " +
            "instead of clearing them (SDM Vol. 3 12.4.7.1): a vector left in service blocks the new boot's timer."),
        new(TimerLostOnReset, "001", "apic",
            "A LAPIC timer running at system reset leaves its pending state behind (SDM Vol. 3 12.4.7.1 says the timer " +
            "stops and its counts clear), and that stale state swallows the new boot's first arming: the HAL's first " +
            "clock tick never comes."),
        new(UnsignedScaleDelta, "000", "time",
            "get_s_time_fixed() scales a TSC older than the calibration stamp (after a snapshot revert, or a TSC latched " +
            "before a calibration rendezvous) as an unsigned delta, as Xen did before \"x86/time: deal with negative deltas " +
            "in get_s_time_fixed()\": a nanosecond-scale step back becomes a jump of centuries in the Xen pvclock."),
        new(TscOffsetSkew, "000", "time",
            "One vCPU's TSC offset is set a little off the others (vCPU 1, 20 us of ticks behind) in the VMM's clock code, " +
            "so the Xen pvclock and kvmclock of vCPU 1 pair the wrong TSC with system time and time read on vCPU 1 then on vCPU 0 goes " +
            "backward: a warp, which Linux's TSC warp check and Windows' QPC reject (kvm_pvm ignores TSC writes, so the " +
            "guest's raw RDTSC is not skewed here)."),
    ];

    public static Defect? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
