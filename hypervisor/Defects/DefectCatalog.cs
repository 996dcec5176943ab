namespace Rig.Hypervisor.Defects;

/// <summary>Every seeded defect by name. A suite that models a new bug adds its defect here.</summary>
public static class DefectCatalog
{
    public const string StaleLapicOnReset = "stale-lapic-on-reset";
    public const string TimerLostOnReset = "timer-lost-on-reset";
    public const string UnsignedScaleDelta = "unsigned-scale-delta";
    public const string TscOffsetSkew = "tsc-offset-skew";
    public const string UnboundedSetLink = "unbounded-set-link";
    public const string UnmaskWithoutQueueLock = "unmask-without-queue-lock";
    public const string TailUnmaskAllowed = "tail-unmask-allowed";
    public const string StaleVcpuStateOnMigrate = "stale-vcpu-state-on-migrate";
    public const string NmiDroppedWhileBlocked = "nmi-dropped-while-blocked";
    public const string NmiUnblockedEarly = "nmi-unblocked-early";
    public const string NmiLeftBlocked = "nmi-left-blocked";
    public const string DoubleMceNoShutdown = "double-mce-no-shutdown";
    public const string PvclockTornUpdate = "pvclock-torn-update";
    public const string NmiBlockedAcrossFaultIret = "nmi-blocked-across-fault-iret";
    public const string IoApicLevelNoRedeliver = "ioapic-level-no-redeliver";
    public const string DirectedEoiBroadcasts = "directed-eoi-broadcasts";
    public const string RdtscpLeaksTscAux = "rdtscp-leaks-tsc-aux";
    public const string SoftExceptionLostOnRestore = "soft-exception-lost-on-restore";
    public const string LapicCpuidOnBspOnly = "lapic-cpuid-on-bsp-only";
    public const string SelfIpiWaitsForHalt = "self-ipi-waits-for-halt";
    public const string ExpiredTimerDestroyedOnLvtWrite = "expired-timer-destroyed-on-lvt-write";

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
        new(UnboundedSetLink, "003", "evtchn",
            "evtchn_fifo_set_link() retries its compare-exchange on the tail word for as long as it fails, as Xen did " +
            "before draft G of the FIFO design: a guest rewriting its tail word in a loop keeps the sender (another " +
            "domain, here the host backend or a vCPU's EVTCHNOP_send) spinning without bound."),
        new(UnmaskWithoutQueueLock, "003", "evtchn",
            "EVTCHNOP_unmask clears MASKED on a queue's tail event without taking the queue lock, as Xen did before " +
            "draft G: the clear lands inside set_link's compare-exchange, so a guest that only makes the writes the ABI " +
            "allows uses up set_link's retries and the newly linked event is lost."),
        new(TailUnmaskAllowed, "003", "evtchn",
            "set_link does not mark the tail word BUSY while it writes LINK, so a guest's direct clear of MASKED on the " +
            "tail (a compare-exchange expecting BUSY clear, as Linux's clear_masked_cond does) is accepted mid-link, " +
            "as before draft G: the clears use up set_link's retries and the newly linked event is lost."),
        new(StaleVcpuStateOnMigrate, "002", "sched",
            "A parked vCPU's registers stay lazily in its host CPU's frame and follow it when it resumes on another host " +
            "CPU; a vCPU destroyed on the old host CPU writes its last registers into that frame without taking the " +
            "frame's ownership (Xen's vcpu_destroy clearing a VMCS that per_cpu(curr_vcpu) did not name), so the " +
            "migrated vCPU resumes with the destroyed vCPU's registers."),
        new(NmiDroppedWhileBlocked, "004", "nmi-mce",
            "An NMI the VMM injects while the vCPU's NMIs are blocked (inside its NMI handler) is dropped instead of left " +
            "pending in KVM, so the one NMI the CPU must latch until the handler's IRET (SDM Vol. 3A 6.7.1) is lost."),
        new(NmiUnblockedEarly, "004", "nmi-mce",
            "The VMM clears the vCPU's NMI blocking at every VM exit, as a VMM that rebuilds the NMI state from its own " +
            "bookkeeping might: an NMI arriving inside the handler is delivered nested before the handler's IRET (seed " +
            "004 items 1 and 6: a reentered NMI handler on its IST stack trashes the first frame)."),
        new(NmiLeftBlocked, "004", "nmi-mce",
            "After an NMI taken at CPL3, the VMM re-blocks NMIs once the handler's IRET has returned to CPL3, as Xen's NMI " +
            "return through the sysret path did (seed 004 item 9): the next NMI stays pending until some later IRET."),
        new(DoubleMceNoShutdown, "004", "nmi-mce",
            "A machine check injected while MCG_STATUS.MCIP is set is delivered as a second #MC (the VMM clears MCIP " +
            "first) instead of shutting the processor down (SDM Vol. 3B 16.3.1.2): the nested #MC reuses the IST stack " +
            "of the first and trashes its frame (seed 004 item 7)."),
        new(PvclockTornUpdate, "000", "time",
            "The pvclock publisher (the Xen clock's vcpu_time_info and kvmclock) advances a record's version once, to its " +
            "next even value, before writing the fields, instead of making it odd for the update and even after (Xen's " +
            "version_update_begin/_end in __update_vcpu_system_time): a guest reading meanwhile takes the half-written " +
            "record as settled and computes time from a new tsc_timestamp and an old system_time."),
        new(NmiBlockedAcrossFaultIret, "004", "nmi-mce",
            "The VMM keeps its own NMI latch: an NMI arriving while the vCPU's NMIs are blocked is held back until the " +
            "vCPU is back at CPL3, out of its NMI handler, as a VMM that takes \"the handler returned\" for the end of " +
            "blocking would; an IRET of a fault or #MC handler nested in the NMI handler ends blocking (SDM Vol. 3A " +
            "6.7.1, seed 004 items 1 and 2), yet the latched NMI waits for the NMI handler's own IRET."),
        new(IoApicLevelNoRedeliver, "issue-12", "apic",
            "The IOAPIC clears a level-triggered entry's remote IRR at the EOI for its vector but does not look at the " +
            "line again: an input still asserted after the EOI is not delivered anew (82093AA 3.2.4: a level interrupt " +
            "is re-sent while the line stays asserted), so a device that still wants service is never heard from."),
        new(DirectedEoiBroadcasts, "issue-12", "apic",
            "The LAPIC offers EOI-broadcast suppression (version bit 24) and accepts SVR bit 12, but still broadcasts the EOI " +
            "of a level-triggered vector to the IOAPIC (SDM Vol. 3A 12.8.5 says it must not): remote IRR clears before the " +
            "guest's write to the IOAPIC's EOI register, so a still-asserted line is sent again while the guest still " +
            "services it, the interrupt storm directed EOI exists to prevent."),
        new(RdtscpLeaksTscAux, "issue-22", "cpu",
            "The VMM answers a guest's RDMSR of IA32_TSC_AUX with the host CPU it runs on although the guest's CPUID offers " +
            "neither RDTSCP nor RDPID, so the MSR does not exist for it (SDM Vol. 4 Table 2-2) and the read must #GP: the " +
            "host's TSC_AUX leaks into the guest, as kvm_pvm's native RDTSCP at CPL3 leaks it (docs/notes/cpu.md)."),
        new(SoftExceptionLostOnRestore, "issue-22", "cpu",
            "Before parking a vCPU for a snapshot, the VMM does not let a soft exception KVM queued after the fact be " +
            "delivered (kvm_pvm queues the #BP of an INT3 at CPL3 with RIP already past it, and KVM_GET_VCPU_EVENTS leaves " +
            "soft exceptions out): the saved state resumes after the INT3 as if its handler had run, and KVM_SET_REGS on " +
            "restore drops the queued #BP (docs/notes/kvm-pvm-hypervisor.md section 6)."),
        new(LapicCpuidOnBspOnly, "issue-22", "cpu",
            "The VMM advertises the LAPIC features it implements (CPUID.1:ECX x2APIC and TSC-deadline, EDX APIC) in the " +
            "BSP's CPUID table only and gives the APs KVM's supported leaves unchanged: one machine whose processors describe " +
            "it differently, which CPUID must not do beyond the APIC-ID fields (SDM Vol. 2A CPUID)."),
        new(SelfIpiWaitsForHalt, "issue-22", "cpu",
            "The VMM posts an IPI a vCPU sends itself (ICR shorthand \"self\", x2APIC SELF IPI) to that vCPU's mailbox, which " +
            "it empties only when the vCPU halts, as a VMM that delivers every IPI by waking its target would: the sender is " +
            "running, not halted, so its self-IPI waits for its next HLT instead of being taken at the next instruction " +
            "boundary with IF = 1 (SDM Vol. 3A 12.6.1): a guest waiting for it at CPL3, as a gate check does, never gets it."),
        new(ExpiredTimerDestroyedOnLvtWrite, "issue-17", "apic",
            "The LAPIC timer's host timer runs up to 50 us after the count reaches zero (Xen programs its timer hardware " +
            "timer_slop behind a deadline, xen/common/timer.c), and an LVT timer write in that window finds no time left and " +
            "destroys the timer (vlapic_update_timer's destroy_periodic_time, xen/arch/x86/hvm/vlapic.c) before it raised " +
            "the expired one-shot's interrupt: the interrupt the count owes is lost, as Xen 4.17 lost it on xen-tcg-hvm " +
            "(SDM Vol. 3A 12.5.4: a mode change does not take back an expiry)."),
    ];

    public static Defect? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
