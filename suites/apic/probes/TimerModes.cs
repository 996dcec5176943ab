using Rig.Guest;
using Rig.Suites.Apic.Records;

/// <summary>
/// apic.timer-modes, guest side: the LAPIC timer in one-shot, periodic and TSC-deadline mode, in xAPIC and x2APIC
/// mode, plus a masked LVT. Each arming prints one `RIG tarm` record (Records/ArmingRecord.cs) with every delivery's
/// TSC and the gaps in which the waiting loop saw its own execution stop (RunWatch), and the host judges them
/// (Oracles/TimerDeliveryRules.cs). Waits are bounded by the time the vCPU ran, not by the TSC alone, so a vCPU
/// descheduled by a loaded host still waits as long as a running one would.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const int Vector = 0xE0;
    private const ulong OneShotUs = 500;
    private const ulong PeriodUs = 1000;

    // How long the vCPU must have run past a due time before the probe stops waiting for its interrupt: far beyond
    // the oracle's bound, so a late interrupt is told from a lost one.
    private const ulong PatienceUs = 100_000;

    // A hard stop in TSC time for a vCPU that hardly runs at all.
    private const ulong GiveUpUs = 5_000_000;

    private const int MaxTicks = 64;

    // The modes as numbers: the freestanding runtime compares no strings.
    private const int OneShot = 0;
    private const int Periodic = 1;
    private const int TscDeadline = 2;
    private const int Masked = 3;

    private static ulong ticks;
    private static ulong* tickTsc;

    public static void Main()
    {
        ulong n = CommandLine.GetNumber("n", 20);
        tickTsc = (ulong*)Heap.Allocate(MaxTicks * 8);
        LocalApic.Enable();
        Events.Register(Vector, &OnTick);
        if (!ApicTimer.Calibrate(Vector))
        {
            Report.Fail(Name, "lapic-timer-does-not-count");
            return;
        }
        All("xapic", n, Name + ".tsc-deadline.xapic");
        if (LocalApic.EnableX2Apic())
        {
            All("x2apic", n, Name + ".tsc-deadline.x2apic");
        }
        else
        {
            Report.Skip(Name + ".x2apic", AbsenceReason.NoX2Apic);
        }
    }

    private static void OnTick(EventFrame* frame)
    {
        ulong now = Tsc.Now;
        fixed (ulong* t = &ticks)
        {
            ulong i = Atomic.FetchAdd(t, 1);
            if (i < MaxTicks)
            {
                tickTsc[i] = now;
            }
        }
    }

    private static void All(string apic, ulong n, string deadlineCheck)
    {
        for (ulong i = 0; i < n; i++)
        {
            Arm(apic, OneShot, OneShotUs, 1);
        }
        for (ulong i = 0; i < 3; i++)
        {
            Arm(apic, Masked, OneShotUs, 1);
        }
        Arm(apic, Periodic, PeriodUs, n);
        if (!LocalApic.TscDeadlineSupported)
        {
            Report.Skip(deadlineCheck, AbsenceReason.NoTscDeadline);
            return;
        }
        for (ulong i = 0; i < n; i++)
        {
            Arm(apic, TscDeadline, OneShotUs, 1);
        }
    }

    private static string ModeName(int mode)
    {
        if (mode == OneShot)
        {
            return ArmingRecord.OneShot;
        }
        if (mode == Periodic)
        {
            return ArmingRecord.Periodic;
        }
        return mode == TscDeadline ? ArmingRecord.TscDeadline : ArmingRecord.Masked;
    }

    /// <summary>
    /// Arms once and watches, in the vCPU's run time: periodic, <paramref name="periods"/> periods and two more; one-shot
    /// and deadline, until the interrupt came and three more periods showed no second one, or the patience ran out.
    /// </summary>
    private static void Arm(string apic, int mode, ulong periodUs, ulong periods)
    {
        RunWatch watch = default;
        fixed (ulong* t = &ticks)
        {
            Atomic.Exchange(t, 0);
            ulong origin = Tsc.Now;
            watch.Start(origin);
            if (mode == TscDeadline)
            {
                LocalApic.StartTscDeadline(Vector, origin + Tsc.Cycles(periodUs));
            }
            else if (mode == Periodic)
            {
                ApicTimer.StartPeriodic(Vector, periodUs);
            }
            else
            {
                ApicTimer.StartOneShot(Vector, periodUs, masked: mode == Masked);
            }
            ulong written = watch.Step();
            bool once = mode != Periodic;
            // Periodic: two periods past the last one judged, so that a timer that stopped shows as missing boundaries.
            // Masked: four periods show that nothing comes.
            ulong stopAfterUs = mode == Masked ? 4 * periodUs : once ? periodUs + PatienceUs : (periods + 2) * periodUs;
            ulong quietSince = 0;
            while (watch.Since(watch.Last) < GiveUpUs && Atomic.Load(t) < MaxTicks - 1)
            {
                watch.Step();
                if (once && Atomic.Load(t) > 0)
                {
                    // The interrupt came: three more periods of run time show whether a second one follows.
                    if (quietSince == 0)
                    {
                        quietSince = watch.RanUs;
                    }
                    if (watch.RanUs - quietSince > 3 * periodUs)
                    {
                        break;
                    }
                }
                else if (watch.RanUs > stopAfterUs)
                {
                    break;
                }
            }
            LocalApic.StopTimer();
            Print(apic, mode, periodUs, ref watch, written);
        }
    }

    private static void Print(string apic, int mode, ulong periodUs, ref RunWatch watch, ulong written)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(ArmingRecord.Kind);
        line.TextField(ArmingRecord.Apic, apic);
        line.TextField(ArmingRecord.Mode, ModeName(mode));
        line.Field(ArmingRecord.PeriodUs, periodUs);
        line.HexField(ArmingRecord.OriginTsc, watch.Origin);
        line.Field(ArmingRecord.WriteUs, watch.Since(written));
        line.Field(ArmingRecord.EndUs, watch.Since(watch.Last));
        line.Text(" ");
        line.Text(ArmingRecord.Ticks);
        line.Text("=");
        ulong got;
        fixed (ulong* t = &ticks)
        {
            got = Atomic.Load(t);
        }
        if (got == 0)
        {
            line.Text("none");
        }
        for (ulong i = 0; i < got && i < MaxTicks; i++)
        {
            if (i > 0)
            {
                line.Byte((byte)',');
            }
            line.Decimal(watch.Since(tickTsc[i]));
        }
        watch.Describe(ref line);
        Console.Write(ref line);
    }
}
