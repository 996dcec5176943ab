using Rig.Guest;

/// <summary>
/// vCPU 1 of the evtchn probes, told what to do by vCPU 0 through one shared mode word: consume its events, hold still
/// (leaving its queue as it is), rewrite the tail word of a port in one of three ways while vCPU 0 has the host link
/// behind it, or unmask that port and drain. <see cref="Set"/> returns once vCPU 1 has taken the new mode. In the
/// rewriting modes vCPU 1 writes the tail word once per try of set_link the hypervisor announces in <see cref="Mailbox"/>
/// (the forced race, `evtchn-race`): each write lands inside one try, whatever the host's scheduler does.
/// </summary>
public static unsafe class Partner
{
    public const ulong Consume = 1;
    public const ulong Hold = 2;

    /// <summary>
    /// Set MASKED, or clear it as Linux's evtchn_fifo_unmask does: a compare-exchange expecting BUSY clear
    /// (clear_masked_cond), else EVTCHNOP_unmask: allowed.
    /// </summary>
    public const ulong FlipAllowed = 3;

    /// <summary>Set MASKED, or clear it by EVTCHNOP_unmask: allowed; the unmask must wait for the queue lock a link holds.</summary>
    public const ulong FlipByHypercall = 4;

    /// <summary>Flip MASKED whatever BUSY says: the write draft G forbids on a tail. <see cref="HostileWrites"/> times.</summary>
    public const ulong FlipHostile = 5;

    public const ulong UnmaskAndDrain = 6;

    /// <summary>How often a hostile vCPU rewrites: more than set_link's 3 retries, so an unbounded set_link retries beyond them.</summary>
    public const ulong HostileWrites = 12;

    private const ulong SetTimeoutUs = 2_000_000;

    private static ulong mode;
    private static ulong taken;
    private static ulong port;
    private static ulong online;
    private static ulong writes;
    private static ulong answered;
    private static ulong* mailbox;

    /// <summary>
    /// The forced race's mailbox: word 0 counts the tries of set_link the hypervisor announced, word 1 is set once
    /// vCPU 1 stopped writing (a hostile vCPU's last write).
    /// </summary>
    public static ulong* Mailbox => mailbox;

    /// <summary>Tail writes vCPU 1 made since the last <see cref="Set"/> (evidence that the race was really played).</summary>
    public static ulong Writes
    {
        get
        {
            fixed (ulong* w = &writes)
            {
                return Atomic.Load(w);
            }
        }
    }

    /// <summary>Starts vCPU 1 (its control block, its LAPIC for the upcall) consuming; false when it did not come up.</summary>
    public static bool Start()
    {
        mailbox = (ulong*)Heap.Allocate(2 * 8);
        fixed (ulong* m = &mode)
        {
            Atomic.Exchange(m, Consume);
        }
        if (Smp.StartAll(&Run) < 2)
        {
            return false;
        }
        ulong deadline = Tsc.Deadline(SetTimeoutUs);
        fixed (ulong* o = &online)
        {
            while (Atomic.Load(o) == 0 && Tsc.Now < deadline)
            {
                Cpu.Pause();
            }
            return Atomic.Load(o) == 1;
        }
    }

    /// <summary>Gives vCPU 1 its next mode and target port and waits until it has taken them (or, for a drain, finished).</summary>
    public static bool Set(ulong next, uint target)
    {
        fixed (ulong* m = &mode, t = &taken, p = &port, w = &writes)
        {
            // The mailbox first: vCPU 1 answers only tries beyond those it answered, and forgets those when it takes the mode.
            Atomic.Exchange(&mailbox[0], 0);
            Atomic.Exchange(&mailbox[1], 0);
            Atomic.Exchange(w, 0);
            Atomic.Exchange(t, 0);
            Atomic.Exchange(p, target);
            Atomic.Exchange(m, next);
            ulong deadline = Tsc.Deadline(SetTimeoutUs);
            while (Atomic.Load(t) != next && Tsc.Now < deadline)
            {
                Cpu.Pause();
            }
            return Atomic.Load(t) == next;
        }
    }

    private static void Run(int cpu)
    {
        LocalApic.Enable();
        fixed (ulong* o = &online)
        {
            Atomic.Exchange(o, XenEvents.InitControlHere() ? 1UL : 2UL);
        }
        fixed (ulong* m = &mode, t = &taken, p = &port, w = &writes)
        {
            while (true)
            {
                ulong now = Atomic.Load(m);
                uint target = (uint)Atomic.Load(p);
                switch (now)
                {
                    case Consume:
                        Atomic.Exchange(t, now);
                        XenEvents.Drain();
                        break;
                    case FlipAllowed or FlipByHypercall or FlipHostile:
                        if (Atomic.Load(t) != now)
                        {
                            answered = 0;
                            Atomic.Exchange(t, now);
                        }
                        ulong announced = Atomic.Load(&mailbox[0]);
                        if (announced > answered && Atomic.Load(&mailbox[1]) == 0)
                        {
                            answered = announced;
                            Rewrite(now, target);
                            if (Atomic.FetchAdd(w, 1) + 1 == HostileWrites && now == FlipHostile)
                            {
                                Atomic.Exchange(&mailbox[1], 1);
                            }
                        }
                        break;
                    case UnmaskAndDrain:
                        if (Atomic.Load(t) != now)
                        {
                            XenEvents.Unmask(target);
                            XenEvents.Drain();
                            Atomic.Exchange(t, now);
                        }
                        break;
                    default:
                        Atomic.Exchange(t, now);
                        Cpu.Pause();
                        break;
                }
            }
        }
    }

    /// <summary>One write to the tail word, inside the try of set_link it answers.</summary>
    private static void Rewrite(ulong how, uint target)
    {
        if (how == FlipHostile)
        {
            XenEvents.Flip(target, XenEvents.Masked);
        }
        else if (!XenEvents.IsMasked(target))
        {
            XenEvents.Mask(target);
        }
        else if (how == FlipByHypercall || !XenEvents.TryUnmaskExpectingNotBusy(target))
        {
            XenEvents.OpPort(EvtchnOp.Unmask, target);
        }
    }
}
