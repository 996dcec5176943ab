using Rig.Guest;
using Rig.Suites.Apic.Records;

/// <summary>
/// apic.timer-after-reboot, guest side (seed 001). Every boot after the first arms each clock and waits for
/// its first tick the way Windows' HAL does (HalpWaitForPhase0ClockTick: spin on an RDTSC deadline with
/// interrupts on, counting ticks), then leaves the LAPIC dirty and resets the machine; `reboots=` boots in all.
/// Clocks: the LAPIC timer (periodic), the PIT (channel 0, rate generator) through IOAPIC GSI 2, and the HPET's
/// timer 0 in legacy replacement mode (GSI 2 as well) where the ACPI tables announce one, all on the clock vector the
/// previous boot left in service. The host judges the `RIG tick` records.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong ticks;
    private static ulong firstTickTsc;

    public static void Main()
    {
        if (!Runtime.LegacyPc)
        {
            Report.Skip(Name, "pvh-has-no-reset-cmos-pit-or-hpet");
            return;
        }
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
            FirstTick(boot, Lapic, periodUs, waitUs);
            FirstTick(boot, Pit, periodUs, waitUs);
            FirstTick(boot, Hpet, periodUs, waitUs);
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

    // The clock sources, as plain numbers: the freestanding runtime has no reflection types for enums.
    private const int Lapic = 0;
    private const int Pit = 1;
    private const int Hpet = 2;

    private static bool Arm(int clock, ulong periodUs, out string why)
    {
        if (clock == Lapic)
        {
            why = "lapic-rate-unknown-or-period-too-long";
            return ApicTimer.StartPeriodic(DirtyLapic.ClockVector, periodUs);
        }
        if (clock == Pit)
        {
            why = "no-ioapic-or-period-out-of-range";
            return PitClock.Start(DirtyLapic.ClockVector, periodUs);
        }
        return HpetClock.Start(DirtyLapic.ClockVector, periodUs, out why);
    }

    private static string SourceName(int clock)
    {
        if (clock == Lapic)
        {
            return "lapic";
        }
        return clock == Pit ? "pit" : "hpet";
    }

    private static void Disarm(int clock)
    {
        if (clock == Lapic)
        {
            LocalApic.StopTimer();
        }
        else if (clock == Pit)
        {
            PitClock.Stop();
        }
        else
        {
            HpetClock.Stop();
        }
    }

    private static void FirstTick(int boot, int clock, ulong periodUs, ulong waitUs)
    {
        fixed (ulong* t = &ticks)
        fixed (ulong* first = &firstTickTsc)
        {
            Atomic.Exchange(t, 0);
            Atomic.Exchange(first, 0);
            ulong start = Tsc.Now;
            bool armed = Arm(clock, periodUs, out string why);
            RunWatch watch = default;
            watch.Start(Tsc.Now);
            // The HAL's wait counts the vCPU's own run time: a vCPU the host deschedules keeps its whole window.
            while (armed && Atomic.Load(t) == 0 && watch.RanUs < waitUs && watch.Since(watch.Last) < 10 * waitUs)
            {
                watch.Step();
            }
            Disarm(clock);
            Line line = default;
            line.Text("RIG ");
            line.Text(TickRecord.Kind);
            line.Field(TickRecord.Boot, (ulong)boot);
            line.TextField(TickRecord.Source, SourceName(clock));
            line.Field(TickRecord.PeriodUs, periodUs);
            ulong at = Atomic.Load(first);
            if (!armed)
            {
                line.TextField(TickRecord.FirstTickUs, TickRecord.Unarmed);
                line.TextField(TickRecord.Why, why);
            }
            else if (at == 0)
            {
                line.TextField(TickRecord.FirstTickUs, TickRecord.None);
                line.Field(TickRecord.WaitedUs, watch.Since(watch.Last));
                line.Field(TickRecord.Ticks, 0);
                line.Field(TickRecord.RanUs, watch.RanUs);
                line.Field(TickRecord.StolenUs, Tsc.Microseconds(watch.StolenCycles));
                Console.Write(ref line);
                // Where Windows' HAL would bugcheck 0x5C: no later boot can say more, so stop here and report fast.
                Runtime.Exit(1);
            }
            else
            {
                line.Field(TickRecord.FirstTickUs, Tsc.Microseconds(at - start));
                line.Field(TickRecord.RanUs, watch.RanUs);
                line.Field(TickRecord.StolenUs, Tsc.Microseconds(watch.StolenCycles));
            }
            line.Field(TickRecord.Ticks, Atomic.Load(t));
            Console.Write(ref line);
        }
    }
}
