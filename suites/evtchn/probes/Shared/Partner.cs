using Rig.Guest;

/// <summary>
/// vCPU 1 of the evtchn probes, told what to do by vCPU 0 through one shared mode word: consume its events, hold still
/// (leaving its queue as it is), rewrite the tail word of a port in one of three ways while vCPU 0 has the host link
/// behind it, or unmask that port and drain. <see cref="Set"/> returns once vCPU 1 has taken the new mode, so a race
/// vCPU 0 forces next really has vCPU 1 writing inside it.
/// </summary>
public static unsafe class Partner
{
    public const ulong Consume = 1;
    public const ulong Hold = 2;

    /// <summary>Set MASKED, then clear it with a compare-exchange expecting BUSY clear (Linux's clear_masked_cond): allowed.</summary>
    public const ulong FlipAllowed = 3;

    /// <summary>Set MASKED, then EVTCHNOP_unmask: allowed; the unmask must wait for the queue lock a link holds.</summary>
    public const ulong FlipByHypercall = 4;

    /// <summary>Flip MASKED whatever BUSY says: the write draft G forbids on a tail. Bounded by <see cref="HostileUs"/>.</summary>
    public const ulong FlipHostile = 5;

    public const ulong UnmaskAndDrain = 6;

    /// <summary>How long a hostile vCPU keeps rewriting: an unbounded set_link spins this long, then the VM goes on.</summary>
    public const ulong HostileUs = 2_000_000;

    private const ulong SetTimeoutUs = 2_000_000;

    /// <summary>
    /// Time between two tail writes: the hypervisor's forced window reacts to a write within a microsecond, so each
    /// write fails exactly one try of set_link instead of two writes cancelling out (MASKED set, then cleared) unseen.
    /// </summary>
    private const ulong PaceUs = 20;

    private static ulong mode;
    private static ulong taken;
    private static ulong port;
    private static ulong hostileUntil;
    private static ulong online;
    private static ulong writes;

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
        fixed (ulong* m = &mode)
        {
            Atomic.Exchange(m, Consume);
        }
        if (Smp.StartAll(&Run, SetTimeoutUs) < 2)
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
        fixed (ulong* m = &mode, t = &taken, p = &port, h = &hostileUntil, w = &writes)
        {
            Atomic.Exchange(w, 0);
            Atomic.Exchange(t, 0);
            Atomic.Exchange(p, target);
            Atomic.Exchange(h, Tsc.Deadline(HostileUs));
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
        fixed (ulong* m = &mode, t = &taken, p = &port, h = &hostileUntil, w = &writes)
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
                    case FlipAllowed:
                        XenEvents.Mask(target);
                        Tsc.Wait(PaceUs);
                        XenEvents.TryUnmaskExpectingNotBusy(target);
                        Tsc.Wait(PaceUs);
                        Atomic.FetchAdd(w, 1);
                        Atomic.Exchange(t, now);
                        break;
                    case FlipByHypercall:
                        XenEvents.Mask(target);
                        Tsc.Wait(PaceUs);
                        XenEvents.OpPort(XenEvents.OpUnmask, target);
                        Tsc.Wait(PaceUs);
                        Atomic.FetchAdd(w, 1);
                        Atomic.Exchange(t, now);
                        break;
                    case FlipHostile:
                        if (Tsc.Now < Atomic.Load(h))
                        {
                            XenEvents.Flip(target, XenEvents.Masked);
                            Tsc.Wait(PaceUs);
                            Atomic.FetchAdd(w, 1);
                        }
                        Atomic.Exchange(t, now);
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
}
