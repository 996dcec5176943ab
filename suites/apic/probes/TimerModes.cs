using Rig.Guest;

/// <summary>
/// apic.timer-modes, guest side: the LAPIC timer in one-shot, periodic and TSC-deadline mode, in xAPIC and
/// x2APIC mode, plus a masked LVT. For each it arms the timer `n=` times (periodic: once, for `n` ticks),
/// records every delivery's lateness, and prints one `RIG tmode` summary the host judges
/// (suites/apic/Oracles/TimerModeRules.cs) and `RIG tsample` lines whose distributions it judges too
/// (TimerRateRules.cs): periodic samples are the interval minus the period, the others the lateness after the due time.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const int Vector = 0xE0;
    private const ulong PeriodUs = 500;

    private static ulong ticks;
    private static ulong lastTickTsc;

    public static void Main()
    {
        ulong n = CommandLine.GetNumber("n", 20);
        LocalApic.Enable();
        Events.Register(Vector, &OnTick);
        if (!ApicTimer.Calibrate(Vector))
        {
            Report.Fail(Name, "lapic-timer-does-not-count");
            return;
        }
        All("xapic", n);
        if (LocalApic.EnableX2Apic())
        {
            All("x2apic", n);
        }
        else
        {
            Report.Skip(Name + ".x2apic", "cpu-lacks-x2apic");
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

    private static void All(string apic, ulong n)
    {
        OneShots(apic, n, masked: false);
        OneShots(apic, 3, masked: true);
        Periodic(apic, n);
        if (LocalApic.TscDeadlineSupported)
        {
            Deadlines(apic, n);
        }
        else
        {
            Summary(apic, "tsc-deadline", 0, 0, 0, 0, "cpu-lacks-tsc-deadline");
        }
    }

    /// <summary>Each arming must deliver exactly once (SDM 12.5.4), or never when the LVT is masked (12.5.1).</summary>
    private static void OneShots(string apic, ulong n, bool masked)
    {
        ulong delivered = 0, extra = 0;
        fixed (ulong* t = &ticks)
        fixed (ulong* last = &lastTickTsc)
        {
            for (ulong i = 0; i < n; i++)
            {
                Atomic.Exchange(t, 0);
                ApicTimer.StartOneShot(Vector, PeriodUs, masked);
                // The count starts with the initial-count write, the arming's last step.
                ulong due = Tsc.Now + Tsc.Cycles(PeriodUs);
                ulong deadline = due + Tsc.Cycles(100_000);
                while (Atomic.Load(t) == 0 && Tsc.Now < deadline)
                {
                    Cpu.Pause();
                }
                Tsc.Wait(3 * PeriodUs); // a second tick would show here
                ulong got = Atomic.Load(t);
                if (got > 0)
                {
                    delivered++;
                    extra += got - 1;
                    if (!masked)
                    {
                        Sample(apic, "oneshot", (long)(Atomic.Load(last) - due));
                    }
                }
                LocalApic.StopTimer();
            }
        }
        Summary(apic, masked ? "masked" : "oneshot", n, delivered, extra, 0, "");
    }

    /// <summary>One arming, <paramref name="n"/> ticks, each one period after the previous (SDM 12.5.4).</summary>
    private static void Periodic(string apic, ulong n)
    {
        ulong delivered = 0;
        fixed (ulong* t = &ticks)
        fixed (ulong* last = &lastTickTsc)
        {
            Atomic.Exchange(t, 0);
            ApicTimer.StartPeriodic(Vector, PeriodUs);
            ulong start = Tsc.Now;
            ulong deadline = start + Tsc.Cycles(PeriodUs * n + 200_000);
            ulong seen = 0, previous = start;
            while (seen < n && Tsc.Now < deadline)
            {
                ulong now = Atomic.Load(t);
                if (now != seen)
                {
                    // Printing a sample takes longer than a period where COM1 is slow (each byte an exit): the ticks that
                    // came meanwhile share the interval, so the sample is the mean period since the previous one.
                    ulong at = Atomic.Load(last);
                    Sample(apic, "periodic", (long)((at - previous) / (now - seen)) - (long)Tsc.Cycles(PeriodUs));
                    previous = at;
                    seen = now;
                }
                Cpu.Pause();
            }
            LocalApic.StopTimer();
            delivered = seen;
        }
        Summary(apic, "periodic", n, delivered, 0, 0, "");
    }

    /// <summary>The interrupt comes once the TSC reaches the deadline, never before (SDM 12.5.4.1).</summary>
    private static void Deadlines(string apic, ulong n)
    {
        ulong delivered = 0, extra = 0, early = 0;
        fixed (ulong* t = &ticks)
        fixed (ulong* last = &lastTickTsc)
        {
            for (ulong i = 0; i < n; i++)
            {
                Atomic.Exchange(t, 0);
                ulong due = Tsc.Now + Tsc.Cycles(PeriodUs);
                LocalApic.StartTscDeadline(Vector, due);
                ulong deadline = due + Tsc.Cycles(100_000);
                while (Atomic.Load(t) == 0 && Tsc.Now < deadline)
                {
                    Cpu.Pause();
                }
                Tsc.Wait(3 * PeriodUs);
                ulong got = Atomic.Load(t);
                if (got > 0)
                {
                    delivered++;
                    extra += got - 1;
                    ulong at = Atomic.Load(last);
                    if (at < due)
                    {
                        early++;
                    }
                    Sample(apic, "tsc-deadline", (long)(at - due));
                }
                LocalApic.StopTimer();
            }
        }
        Summary(apic, "tsc-deadline", n, delivered, extra, early, "");
    }

    private static void Sample(string apic, string mode, long lateCycles)
    {
        Line line = default;
        line.Text("RIG tsample");
        line.TextField("apic", apic);
        line.TextField("mode", mode);
        line.Field("period_us", PeriodUs);
        line.SignedField("late_ns", lateCycles < 0 ? -(long)Tsc.Nanoseconds((ulong)-lateCycles) : (long)Tsc.Nanoseconds((ulong)lateCycles));
        Console.Write(ref line);
    }

    private static void Summary(string apic, string mode, ulong armed, ulong delivered, ulong extra, ulong early, string unsupported)
    {
        Line line = default;
        line.Text("RIG tmode");
        line.TextField("apic", apic);
        line.TextField("mode", mode);
        if (unsupported.Length != 0)
        {
            line.TextField("unsupported", unsupported);
        }
        else
        {
            line.Field("armed", armed);
            line.Field("delivered", delivered);
            line.Field("extra", extra);
            line.Field("early", early);
        }
        Console.Write(ref line);
    }
}
