namespace Rig.Guest;

/// <summary>
/// The answers the fuzzing probe (guest-probes/probes/Fuzz.cs) demands of a Xen hypervisor beyond surviving (issue 21),
/// as pure functions of an input and its result, so the same rules run in the guest and in the rig's unit tests (this
/// file is compiled into the guest runtime and into Rig.Core). A rule returns the <see cref="FuzzLayout"/> violation
/// kind it finds, 0 when the answer is one Xen's public headers allow.
/// </summary>
internal static class FuzzOracle
{
    // Hypercall numbers (xen/include/public/xen.h) whose argument the rules know.
    public const ulong MemoryOp = 12;
    public const ulong XenVersion = 17;
    public const ulong VcpuOp = 24;
    public const ulong SchedOp = 29;
    public const ulong CallbackOp = 30;
    public const ulong EventChannelOp = 32;
    public const ulong PhysdevOp = 33;
    public const ulong HvmOp = 34;

    // Errors, negated (xen/include/public/errno.h).
    public const long Enoent = -2;
    public const long Efault = -14;
    public const long Einval = -22;
    public const long Enosys = -38;


    /// <summary>EVTCHN_FIFO_NR_CHANNELS (1 &lt;&lt; EVTCHN_FIFO_LINK_BITS, 17): no Xen has a port at or above it.</summary>
    public const uint PortLimit = 1u << 17;

    /// <summary>NR_VIRQS (public/xen.h).</summary>
    public const uint VirqCount = 24;

    /// <summary>EVTCHN_FIFO_PRIORITY_MIN: the lowest (numerically largest) priority.</summary>
    public const uint LowestPriority = 15;

    /// <summary>sizeof(struct evtchn_fifo_control_block): READY, a pad word, 16 HEAD words.</summary>
    public const uint ControlBlockSize = 72;

    public const ushort DomidSelf = 0x7FF0;

    /// <summary>
    /// Which argument of hypercall <paramref name="number"/> with <paramref name="command"/> is a guest pointer the
    /// hypervisor must copy from or to: 1 (RSI), 2 (RDX, vcpu_op's: public/vcpu.h), or 0 when the command takes none:
    /// SCHEDOP_yield and _block (public/sched.h), XENVER_version and _pagesize (public/version.h), XENMEM_maximum_ram_page
    /// (public/memory.h), the VCPUOP_ commands without an argument, and hypercalls these rules do not know. callback_op
    /// and physdev_op copy their argument before anything else (xen/common/domain.c, xen/arch/x86/physdev.c) or do not
    /// exist for an HVM guest (-ENOSYS); rig-hv implements neither, and a handler added for them answers to the same rule.
    /// </summary>
    public static int PointerArgument(ulong number, ulong command) => number switch
    {
        SchedOp => command is 0 or 1 ? 0 : 1,
        EventChannelOp or HvmOp or CallbackOp or PhysdevOp => 1,
        MemoryOp => (command & 63) == 2 ? 0 : 1,
        XenVersion => command is 0 or 7 ? 0 : 1,
        // VCPUOP_up 1, _down 2, _is_up 3, _stop_periodic_timer 7, _stop_singleshot_timer 9, _send_nmi 11.
        VcpuOp => command is 1 or 2 or 3 or 7 or 9 or 11 ? 0 : 2,
        _ => 0,
    };

    /// <summary>
    /// True when fewer than 2 bytes (evtchn_reset's domid_t, the smallest argument) from <paramref name="pointer"/> on
    /// are guest RAM, whose backed end is <paramref name="ramEnd"/>: past it, unbacked or MMIO space, above 4 GiB,
    /// non-canonical, or straddling the end.
    /// </summary>
    public static bool OutsideRam(ulong pointer, ulong ramEnd) => pointer > ramEnd - 2;

    /// <summary>
    /// A hypercall whose pointer argument is outside RAM must fail with -EFAULT (Xen's copy_from_guest/copy_to_guest
    /// fail), or with -ENOSYS for a command the hypervisor does not implement (Xen switches on cmd before it copies),
    /// or -ENOENT from vcpu_op for a vCPU id the domain does not have (checked before the copy). Anything else, success
    /// above all, means the hypervisor read or wrote memory it had no business with.
    /// </summary>
    public static int JudgeBadPointer(ulong number, ulong vcpuArgument, int cpus, long result) =>
        result == Efault || result == Enosys || (number == VcpuOp && vcpuArgument >= (ulong)cpus && result == Enoent)
            ? 0
            : FuzzLayout.ViolationBadPointer;

    /// <summary>
    /// EVTCHNOP_* rules that hold whatever else the domain did (xen/common/event_channel.c, event_fifo.c), on the
    /// request's first four words before the call (<paramref name="w0"/>..<paramref name="w3"/>), the port a bind
    /// wrote back (<paramref name="portOut"/>), the vCPUs and the RAM frames: a port at or past
    /// <see cref="PortLimit"/> is -EINVAL for send, close, unmask, set_priority and status; so are a VIRQ past NR_VIRQS,
    /// a priority past EVTCHN_FIFO_PRIORITY_MIN, and an init_control offset not 8-aligned or leaving no room for the
    /// control block; a frame that is not RAM is never accepted for the control block or the event array; a bind that
    /// succeeds names a port in 1..2^17-1.
    /// </summary>
    public static int JudgeEventChannel(ulong command, uint w0, uint w1, uint w2, uint w3, uint portOut, int cpus, ulong ramFrames, long result)
    {
        switch (command)
        {
            case EvtchnOp.Send:
            case EvtchnOp.Close:
            case EvtchnOp.Unmask:
                return w0 >= PortLimit && result != Einval ? FuzzLayout.ViolationErrno : 0;
            case EvtchnOp.SetPriority:
                // -ENOSYS: the domain went back to the 2-level ABI (EVTCHNOP_reset), which has no priorities.
                return (w0 >= PortLimit || w1 > LowestPriority) && result != Einval && result != Enosys ? FuzzLayout.ViolationErrno : 0;
            case EvtchnOp.Status:
                return (ushort)w0 == DomidSelf && w1 >= PortLimit && result != Einval ? FuzzLayout.ViolationErrno : 0;
            case EvtchnOp.BindVirq:
                if (w0 >= VirqCount && result != Einval)
                {
                    return FuzzLayout.ViolationErrno;
                }
                return BoundPort(result, portOut);
            case EvtchnOp.InitControl:
                if (w3 >= (uint)cpus)
                {
                    return 0;
                }
                if (((w2 & 7) != 0 || w2 > 4096 - ControlBlockSize) && result != Einval)
                {
                    return FuzzLayout.ViolationErrno;
                }
                return result == 0 && ((ulong)w1 << 32 | w0) >= ramFrames ? FuzzLayout.ViolationBadFrame : 0;
            case EvtchnOp.ExpandArray:
                return result == 0 && ((ulong)w1 << 32 | w0) >= ramFrames ? FuzzLayout.ViolationBadFrame : 0;
            case EvtchnOp.BindInterdomain:
            case EvtchnOp.AllocUnbound:
            case EvtchnOp.BindIpi:
                return BoundPort(result, portOut);
            default:
                return 0;
        }
    }

    /// <summary>Where a bind writes its port back: evtchn_bind_interdomain and _virq at byte 8, _alloc_unbound and _ipi at byte 4.</summary>
    public static int PortOutWord(ulong command) => command is EvtchnOp.BindInterdomain or EvtchnOp.BindVirq ? 2 : 1;

    private static int BoundPort(long result, uint port) => result == 0 && (port == 0 || port >= PortLimit) ? FuzzLayout.ViolationInvariant : 0;
}
