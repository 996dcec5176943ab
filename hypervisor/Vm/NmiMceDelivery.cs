using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// How one vCPU gets its NMIs and machine checks from the VMM: KVM_NMI and KVM_X86_SET_MCE, which KVM delivers as the
/// architecture says (NMI blocking until IRET, SDM Vol. 3A 6.7.1; a #MC while MCG_STATUS.MCIP is set shuts the
/// processor down, Vol. 3B 16.3.1.2 / 17.3.1.2). The seeded defects of suites/nmi-mce (seed 004) are the VMM bugs
/// that break those rules from user space, through the NMI state of KVM_GET/SET_VCPU_EVENTS and MCG_STATUS.
/// <paramref name="requestExit"/> makes the vCPU leave KVM_RUN, so a defect can look at it again without waiting for an exit.
/// </summary>
internal sealed class NmiMceDelivery(KvmVcpu kvm, DefectSet defects, Action<string> log, Action requestExit) : IDisposable
{
    /// <summary>How often a vCPU holding a VMM-latched NMI is made to exit, so its return to CPL3 is seen promptly.</summary>
    private static readonly TimeSpan LatchPollPeriod = TimeSpan.FromMilliseconds(1);

    // struct kvm_vcpu_events (Linux include/uapi/asm-x86/kvm.h): nmi.injected, nmi.pending, nmi.masked.
    private const int NmiInjectedAt = 12, NmiPendingAt = 13, NmiMaskedAt = 14;
    private const uint McgStatus = 0x17A;
    private const ulong McgStatusMcip = 1UL << 2;

    /// <summary>An NMI was injected while the vCPU ran at CPL3: its handler will IRET to CPL3 (for nmi-left-blocked).</summary>
    private bool _returnToUserAhead;

    /// <summary>An NMI held back by the VMM's own latch until the vCPU is at CPL3 (for nmi-blocked-across-fault-iret), and its poll.</summary>
    private bool _latchedUntilUser;
    private Timer? _latchPoll;

    public void InjectNmi()
    {
        if (defects.IsOn(DefectCatalog.NmiDroppedWhileBlocked) && kvm.GetEvents()[NmiMaskedAt] != 0)
        {
            log($"vCPU {kvm.Id}: NMI dropped: NMIs are blocked (defect {DefectCatalog.NmiDroppedWhileBlocked})");
            return;
        }

        if (defects.IsOn(DefectCatalog.NmiBlockedAcrossFaultIret) && kvm.GetEvents()[NmiMaskedAt] != 0)
        {
            log($"vCPU {kvm.Id}: NMI latched by the VMM until the vCPU is back at CPL3 (defect {DefectCatalog.NmiBlockedAcrossFaultIret})");
            _latchedUntilUser = true;
            _latchPoll ??= new Timer(_ => requestExit(), null, LatchPollPeriod, LatchPollPeriod);
            return;
        }

        if (defects.IsOn(DefectCatalog.NmiLeftBlocked) && (kvm.GetSregs().Cs.Selector & 3) == 3)
        {
            _returnToUserAhead = true;
        }

        kvm.Nmi();
    }

    /// <summary>After every exit: where a defect is on, the NMI blocking it gets wrong.</summary>
    public void AfterExit()
    {
        if (defects.IsOn(DefectCatalog.NmiUnblockedEarly))
        {
            byte[] events = kvm.GetEvents();
            if (events[NmiMaskedAt] != 0)
            {
                events[NmiMaskedAt] = 0;
                kvm.SetEvents(events);
            }
        }

        if (_latchedUntilUser && kvm.GetEvents()[NmiMaskedAt] == 0 && (kvm.GetSregs().Cs.Selector & 3) == 3)
        {
            _latchedUntilUser = false;
            StopLatchPoll();
            kvm.Nmi();
        }

        if (_returnToUserAhead)
        {
            byte[] events = kvm.GetEvents();
            bool delivered = events[NmiPendingAt] == 0 && events[NmiInjectedAt] == 0;
            if (delivered && events[NmiMaskedAt] == 0 && (kvm.GetSregs().Cs.Selector & 3) == 3)
            {
                // The handler's IRET took the vCPU back to CPL3 and ended the blocking; the faulty return path re-blocks.
                events[NmiMaskedAt] = 1;
                kvm.SetEvents(events);
                _returnToUserAhead = false;
            }
        }
    }

    public void InjectMce(int bank, ulong status, ulong mcgStatus, ulong addr, ulong misc)
    {
        if (defects.IsOn(DefectCatalog.DoubleMceNoShutdown))
        {
            ulong current = kvm.GetMsrs([McgStatus])[0];
            if ((current & McgStatusMcip) != 0)
            {
                log($"vCPU {kvm.Id}: #MC while MCIP is set delivered, not a shutdown (defect {DefectCatalog.DoubleMceNoShutdown})");
                kvm.SetMsrs([McgStatus], [current & ~McgStatusMcip]);
            }
        }

        kvm.SetMce(bank, status, mcgStatus, addr, misc);
    }

    public void Dispose() => StopLatchPoll();

    private void StopLatchPoll()
    {
        _latchPoll?.Dispose();
        _latchPoll = null;
    }
}
