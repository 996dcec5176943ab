using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// A vCPU caught between kvm_pvm's exit for an INT3 at CPL3 and the delivery of its #BP, put back on the INT3. kvm_pvm
/// queues the #BP with RIP already past the INT3 (upstream pvm.c handle_exit_breakpoint: kvm_queue_exception), and
/// KVM_GET_VCPU_EVENTS leaves soft exceptions out, "As long as the guest RIP isn't advanced, we should expect to encounter
/// the exception again" (x86.c kvm_vcpu_ioctl_x86_get_vcpu_events), which is false here: saved and restored there, the
/// #BP was lost (docs/notes/kvm-pvm-hypervisor.md section 6). Rewound, the vCPU is where a CPU interrupted just before
/// the INT3 would be, with nothing queued, and takes the #BP when it runs again. The queue is seen only through its
/// effect: KVM reports the interrupt window closed (x86.c kvm_vcpu_ready_for_interrupt_injection: closed while an
/// exception is queued or an event half-injected) with IF=1 while KVM_GET_VCPU_EVENTS shows nothing that closes it.
/// Without our irqchip KVM always says ready (pic_in_kernel), and this cannot tell.
/// </summary>
internal static class QueuedBreakpoint
{
    // struct kvm_vcpu_events (include/uapi/asm-x86/kvm.h): exception.injected, exception.pending, interrupt.injected,
    // interrupt.shadow, nmi.injected.
    private const int ExceptionInjectedAt = 0, ExceptionPendingAt = 3, InterruptInjectedAt = 8, InterruptShadowAt = 11, NmiInjectedAt = 12;
    private const byte Int3 = 0xCC;

    /// <summary>What <see cref="TryRewind"/> found: nothing queued, a #BP rewound, or a closed window it cannot explain.</summary>
    public enum Outcome
    {
        NothingQueued,
        Rewound,
        Unexplained,
    }

    /// <summary>
    /// On the vCPU's own thread, after a KVM_RUN with immediate_exit (so kvm_run's if_flag and ready_for_interrupt_injection
    /// describe the state being parked). Runs no guest instruction: a park must not wait for the guest.
    /// </summary>
    public static Outcome TryRewind(KvmVcpu kvm, IXenGuestMemory memory)
    {
        var run = kvm.RunPage;
        if (!run.InterruptFlag || run.ReadyForInterruptInjection)
        {
            return Outcome.NothingQueued;
        }

        byte[] events = kvm.GetEvents();
        if (events[ExceptionInjectedAt] != 0 || events[ExceptionPendingAt] != 0 || events[InterruptInjectedAt] != 0
            || events[InterruptShadowAt] != 0 || events[NmiInjectedAt] != 0)
        {
            return Outcome.NothingQueued; // what closes the window is in the events, which snapshots save and restore
        }

        var regs = kvm.GetRegs();
        if ((kvm.GetSregs().Cs.Selector & 3) != 3 || GuestLinearAccess.Read(memory, kvm.Id, regs.Rip - 1, 1) is not [Int3])
        {
            return Outcome.Unexplained;
        }

        // KVM_SET_REGS drops a pending exception (x86.c __set_regs), KVM_SET_VCPU_EVENTS an injected one (a KVM_RUN
        // cancelled by a signal after injecting it), since the events read above left the soft exception out.
        kvm.SetRegs(regs with { Rip = regs.Rip - 1 });
        kvm.SetEvents(events);
        return Outcome.Rewound;
    }
}
