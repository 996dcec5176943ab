using Rig.Guest;

/// <summary>
/// apic.timer-edges, guest side: the LAPIC timer's edge cases that SDM Vol. 3A 12.5.4 and 12.5.4.1 define and the
/// common path never reaches. Each check prints one <c>RIG timer-edge check=…</c> record of what it saw (counts read,
/// interrupts taken); the host judges them (suites/apic/Oracles/TimerEdgeRules.cs). xAPIC mode, divide by 1.
/// </summary>
public static unsafe class Probe
{
    public const string Name = "timer-edges";
    private const int Vector = 0xE1;
    private const ulong PeriodUs = 2_000;
    private const ulong Tries = 20;
    private const ulong DeliveryWaitUs = 100_000;

    // expired-then-periodic's window is the hypervisor's own timer latency: xen-tcg-hvm met it in 1 of 20 tries, so
    // many tries make the race a certainty rather than a chance (0.95^200 < 10^-4); a conforming try costs ~3 periods.
    private const ulong SwitchTries = 200;

    // Checks that must not see the count expire before their last step use a count this long, so a vCPU the loaded host
    // preempted for milliseconds between two steps still finds it running.
    private const ulong LongCountUs = 100_000;
    private const uint PeriodicMode = 1u << 17;
    private const uint TscDeadlineMode = 2u << 17;

    private static ulong ticks;
    private static ulong lastTickTsc;

    public static void Main()
    {
        LocalApic.Enable();
        Events.Register(Vector, &OnTick);
        if (!ApicTimer.Calibrate(Vector))
        {
            Report.Fail(Name, "lapic-timer-does-not-count");
            return;
        }
        CountOfOne();
        OneShotStaysAtZero();
        PeriodicReloads();
        OneShotToPeriodic();
        ExpiredThenPeriodic();
        MaskedStillCounts();
        if (LocalApic.TscDeadlineSupported)
        {
            DeadlineAlreadyDue();
            IntoDeadlineMode();
        }
        else
        {
            Report.Skip(Name + ".tsc-deadline", AbsenceReason.NoTscDeadline);
        }
    }

    private static void OnTick(EventFrame* frame)
    {
        ulong now = Tsc.Now;
        fixed (ulong* last = &lastTickTsc)
        fixed (ulong* t = &ticks)
        {
            Atomic.Exchange(last, now);
            Atomic.FetchAdd(t, 1);
        }
    }

    private static ulong Ticks
    {
        get
        {
            fixed (ulong* t = &ticks)
            {
                return Atomic.Load(t);
            }
        }
    }

    private static ulong LastTickTsc
    {
        get
        {
            fixed (ulong* last = &lastTickTsc)
            {
                return Atomic.Load(last);
            }
        }
    }

    private static void ClearTicks()
    {
        fixed (ulong* t = &ticks)
        {
            Atomic.Exchange(t, 0);
        }
    }

    /// <summary>Spins until <paramref name="count"/> interrupts came or <paramref name="us"/> passed.</summary>
    private static void AwaitTicks(ulong count, ulong us)
    {
        ulong deadline = Tsc.Deadline(us);
        while (Ticks < count && Tsc.Now < deadline)
        {
            Cpu.Pause();
        }
    }

    private static uint CurrentCount => LocalApic.Read(LocalApic.RegTimerCurrent);

    private static uint InitialCount => LocalApic.Read(LocalApic.RegTimerInitial);

    /// <summary>An initial count of 1 is due as soon as it is written (12.5.4): one interrupt, at once.</summary>
    private static void CountOfOne()
    {
        ulong delivered = 0, extra = 0, best = 0xFFFF_FFFF_FFFF_FFFF;
        for (ulong i = 0; i < Tries; i++)
        {
            ClearTicks();
            ulong written = Tsc.Now;
            LocalApic.StartTimer(Vector, 0, 1);
            Tally(written, ref delivered, ref extra, ref best);
        }
        Promptness("count-one", delivered, extra, best);
    }

    /// <summary>A TSC deadline written when the TSC has already passed it fires at once (12.5.4.1).</summary>
    private static void DeadlineAlreadyDue()
    {
        ulong delivered = 0, extra = 0, best = 0xFFFF_FFFF_FFFF_FFFF;
        for (ulong i = 0; i < Tries; i++)
        {
            ClearTicks();
            ulong written = Tsc.Now;
            LocalApic.StartTscDeadline(Vector, written);
            Tally(written, ref delivered, ref extra, ref best);
        }
        Promptness("deadline-due", delivered, extra, best);
    }

    private static void Tally(ulong written, ref ulong delivered, ref ulong extra, ref ulong best)
    {
        AwaitTicks(1, DeliveryWaitUs);
        Tsc.Wait(PeriodUs); // a second interrupt would show here
        ulong got = Ticks;
        if (got > 0)
        {
            delivered++;
            extra += got - 1;
            ulong late = LastTickTsc - written;
            best = late < best ? late : best;
        }
        LocalApic.StopTimer();
    }

    private static void Promptness(string check, ulong delivered, ulong extra, ulong bestCycles)
    {
        Line line = Start(check);
        line.Field("armed", Tries);
        line.Field("delivered", delivered);
        line.Field("extra", extra);
        if (delivered > 0)
        {
            line.Field("best_us", Tsc.Microseconds(bestCycles));
        }
        Console.Write(ref line);
    }

    /// <summary>After a one-shot count reaches zero it interrupts once and stays at zero until reprogrammed (12.5.4).</summary>
    private static void OneShotStaysAtZero()
    {
        ClearTicks();
        ApicTimer.StartOneShot(Vector, PeriodUs, masked: false);
        uint initial = InitialCount;
        AwaitTicks(1, PeriodUs + DeliveryWaitUs);
        uint atTick = CurrentCount;
        Tsc.Wait(2 * PeriodUs);
        uint later = CurrentCount;
        Line line = Start("oneshot-expired");
        line.Field("initial", initial);
        line.Field("delivered", Ticks);
        line.Field("tmcct", atTick);
        line.Field("tmcct_later", later);
        Console.Write(ref line);
        LocalApic.StopTimer();
    }

    /// <summary>A periodic count reloads from the initial count when it reaches zero (12.5.4): it never reads above it.</summary>
    private static void PeriodicReloads()
    {
        ClearTicks();
        ApicTimer.StartPeriodic(Vector, PeriodUs);
        uint initial = InitialCount;
        ulong reads = 0, above = 0, zeros = 0, reloads = 0;
        uint previous = CurrentCount;
        // At least 4 periods, and on until two reloads were seen: a loaded host may run the vCPU in bursts.
        ulong minimum = Tsc.Deadline(4 * PeriodUs), end = Tsc.Deadline(DeliveryWaitUs);
        while ((Tsc.Now < minimum || reloads < 2) && Tsc.Now < end)
        {
            uint now = CurrentCount;
            reads++;
            above += now > initial ? 1UL : 0;
            zeros += now == 0 ? 1UL : 0;
            reloads += now > previous ? 1UL : 0;
            previous = now;
        }
        ulong delivered = Ticks;
        LocalApic.StopTimer();
        Line line = Start("periodic-reload");
        line.Field("initial", initial);
        line.Field("reads", reads);
        line.Field("above_initial", above);
        line.Field("zero_reads", zeros);
        line.Field("reloads", reloads);
        line.Field("delivered", delivered);
        Console.Write(ref line);
    }

    /// <summary>
    /// Switching a running one-shot to periodic does not restart the count (12.5.4: a mode change "does not start the
    /// timer"): the count goes on from where it was, and from its next zero on it reloads and interrupts every period.
    /// </summary>
    private static void OneShotToPeriodic()
    {
        ClearTicks();
        ApicTimer.StartOneShot(Vector, PeriodUs, masked: false);
        uint initial = InitialCount;
        Tsc.Wait(PeriodUs / 2);
        ulong from = Tsc.Now;
        uint before = CurrentCount;
        LocalApic.Write(LocalApic.RegLvtTimer, Vector | PeriodicMode);
        uint after = CurrentCount;
        ulong between = Tsc.Now - from;
        AwaitTicks(3, 3 * PeriodUs + DeliveryWaitUs);
        ulong delivered = Ticks;
        LocalApic.StopTimer();
        Line line = Start("oneshot-to-periodic");
        line.Field("initial", initial);
        line.Field("before", before);
        line.Field("after", after);
        // A vCPU descheduled between the two reads for longer than the count had left sees it reload, as it should.
        line.Field("between_us", Tsc.Microseconds(between));
        line.Field("period_us", PeriodUs);
        line.Field("delivered", delivered);
        Console.Write(ref line);
    }

    /// <summary>
    /// oneshot-to-periodic's late path, forced rather than left to the host's scheduling: the switch to periodic written
    /// the moment the one-shot count reads 0, inside the time a hypervisor that drives the timer from a host timer of
    /// its own may not yet have run it (xen-tcg-hvm lost the interrupt there when TCG happened to delay the probe). The
    /// count reached zero in one-shot mode, so its one interrupt is owed, and the switch neither takes it back nor
    /// starts the count again (12.5.4). <c>raced</c>: the tries where no interrupt had come before the switch.
    /// </summary>
    private static void ExpiredThenPeriodic()
    {
        ulong raced = 0, lost = 0, extra = 0, restarted = 0, delivered = 0;
        for (ulong i = 0; i < SwitchTries; i++)
        {
            ClearTicks();
            ApicTimer.StartOneShot(Vector, PeriodUs, masked: false);
            ulong giveUp = Tsc.Deadline(PeriodUs + DeliveryWaitUs);
            while (CurrentCount != 0 && Tsc.Now < giveUp)
            {
                Cpu.Pause();
            }
            ulong beforeSwitch = Ticks;
            LocalApic.Write(LocalApic.RegLvtTimer, Vector | PeriodicMode);
            raced += beforeSwitch == 0 ? 1UL : 0;
            AwaitTicks(1, DeliveryWaitUs);
            Tsc.Wait(3 * PeriodUs); // a count the switch started again interrupts within a period
            ulong got = Ticks;
            uint count = CurrentCount;
            LocalApic.StopTimer();
            delivered += got;
            lost += got == 0 ? 1UL : 0;
            extra += got > 1 ? got - 1 : 0;
            restarted += count != 0 ? 1UL : 0;
        }
        Line line = Start("expired-then-periodic");
        line.Field("tries", SwitchTries);
        line.Field("raced", raced);
        line.Field("lost", lost);
        line.Field("extra", extra);
        line.Field("restarted", restarted);
        line.Field("delivered", delivered);
        Console.Write(ref line);
    }

    /// <summary>A masked LVT inhibits the interrupt, not the count (12.5.1, 12.5.4): the count falls to zero, silently.</summary>
    private static void MaskedStillCounts()
    {
        ClearTicks();
        ApicTimer.StartOneShot(Vector, LongCountUs, masked: true);
        // Due at the latest one count after the arming returned (a vCPU descheduled inside it starts the count early).
        ulong due = Tsc.Deadline(LongCountUs);
        uint initial = InitialCount;
        uint first = CurrentCount;
        Tsc.Wait(PeriodUs / 2);
        uint second = CurrentCount;
        while (Tsc.Now < due + Tsc.Cycles(PeriodUs))
        {
            Cpu.Pause();
        }
        uint final = CurrentCount;
        Line line = Start("masked-counts");
        line.Field("initial", initial);
        line.Field("first", first);
        line.Field("second", second);
        line.Field("final", final);
        line.Field("delivered", Ticks);
        Console.Write(ref line);
        LocalApic.StopTimer();
    }

    /// <summary>
    /// A switch into TSC-deadline mode disarms the running count, the current count then reads 0, and initial-count
    /// writes are ignored (12.5.4.1).
    /// </summary>
    private static void IntoDeadlineMode()
    {
        ClearTicks();
        ApicTimer.StartOneShot(Vector, LongCountUs, masked: false);
        // Due at the latest one count after the arming returned (a vCPU descheduled inside it starts the count early).
        ulong due = Tsc.Deadline(LongCountUs);
        Tsc.Wait(PeriodUs / 4);
        uint beforeSwitch = CurrentCount;
        ulong ticksBefore = Ticks;
        LocalApic.Write(LocalApic.RegLvtTimer, Vector | TscDeadlineMode);
        uint afterSwitch = CurrentCount;
        LocalApic.Write(LocalApic.RegTimerInitial, 0x10000);
        uint afterWrite = CurrentCount;
        while (Tsc.Now < due + Tsc.Cycles(PeriodUs)) // past the disarmed count's due time
        {
            Cpu.Pause();
        }
        Line line = Start("into-deadline");
        line.Field("tmcct_before_switch", beforeSwitch);
        line.Field("tmcct_after_switch", afterSwitch);
        line.Field("tmcct_after_tmict", afterWrite);
        line.Field("delivered", Ticks - ticksBefore);
        Console.Write(ref line);
        LocalApic.StopTimer();
    }

    private static Line Start(string check)
    {
        Line line = default;
        line.Text("RIG timer-edge");
        line.TextField("check", check);
        return line;
    }
}
