using Rig.Guest;

/// <summary>
/// apic.timer-after-reboot, guest side (seed 001). Every boot after the first arms each clock and waits for
/// its first tick the way Windows' HAL does (HalpWaitForPhase0ClockTick: spin on an RDTSC deadline with
/// interrupts on, counting ticks), then leaves the LAPIC dirty and resets the machine; `reboots=` boots in all.
/// Clocks: the LAPIC timer (periodic) and the PIT (channel 0, rate generator) through IOAPIC GSI 2, both on
/// the clock vector the previous boot left in service. The host judges the `RIG tick` records.
/// </summary>
public static unsafe class Probe
{
    public const string Name = "timer-after-reboot";

    private static ulong ticks;
    private static ulong firstTickTsc;

    public static void Main()
    {
        int boot = Runtime.BootNumber;
        ulong reboots = CommandLine.GetNumber("reboots", 20);
        ulong periodUs = CommandLine.GetNumber("period_us", 1000);
        ulong waitUs = CommandLine.GetNumber("wait_us", 3_000_000); // HAL gives up after 3 s, then bugchecks 0x5C
        if (boot == 1)
        {
            LocalApic.Enable();
            if (!ApicTimer.Calibrate(DirtyLapic.ClockVector))
            {
                Report.Fail(Name, "lapic-timer-does-not-count");
            }
        }
        if (boot > 1)
        {
            LocalApic.Enable();
            Events.Register(DirtyLapic.ClockVector, &OnClock, endOfInterrupt: true);
            FirstTick(boot, lapic: true, periodUs, waitUs);
            FirstTick(boot, lapic: false, periodUs, waitUs);
            Events.Unregister(DirtyLapic.ClockVector);
        }
        if ((ulong)boot > reboots)
        {
            return;
        }
        DirtyLapic.Leave(boot);
        ResetKind.Perform(boot, Name);
    }

    private static void OnClock(EventFrame* frame)
    {
        fixed (ulong* first = &firstTickTsc)
        {
            Atomic.CompareExchange(first, 0, Tsc.Now);
        }
        fixed (ulong* t = &ticks)
        {
            Atomic.FetchAdd(t, 1);
        }
    }

    private static void FirstTick(int boot, bool lapic, ulong periodUs, ulong waitUs)
    {
        fixed (ulong* t = &ticks)
        fixed (ulong* first = &firstTickTsc)
        {
            Atomic.Exchange(t, 0);
            Atomic.Exchange(first, 0);
            ulong start = Tsc.Now;
            bool armed = lapic
                ? ApicTimer.StartPeriodic(DirtyLapic.ClockVector, periodUs)
                : PitClock.Start(DirtyLapic.ClockVector, periodUs);
            ulong deadline = start + Tsc.Cycles(waitUs);
            while (armed && Atomic.Load(t) == 0 && Tsc.Now < deadline)
            {
                Cpu.Pause();
            }
            if (lapic)
            {
                LocalApic.StopTimer();
            }
            else
            {
                PitClock.Stop();
            }
            Line line = default;
            line.Text("RIG tick");
            line.Field("boot", (ulong)boot);
            line.TextField("source", lapic ? "lapic" : "pit");
            line.Field("period_us", periodUs);
            ulong at = Atomic.Load(first);
            if (!armed)
            {
                line.TextField("first_tick_us", "unarmed");
            }
            else if (at == 0)
            {
                line.TextField("first_tick_us", "none");
                line.Field("waited_us", waitUs);
                line.Field("ticks", 0);
                Console.Write(ref line);
                // Where Windows' HAL would bugcheck 0x5C: no later boot can say more, so stop here and report fast.
                Runtime.Exit(1);
            }
            else
            {
                line.Field("first_tick_us", Tsc.Microseconds(at - start));
            }
            line.Field("ticks", Atomic.Load(t));
            Console.Write(ref line);
        }
    }
}
