using Rig.Hypervisor.Devices;

namespace Rig.Hypervisor.Irq;

/// <summary>
/// The High Precision Event Timer block at 0xFED00000 (IA-PC HPET Specification 1.0a, "the spec" below): a 64-bit up
/// counter at 100 MHz and three comparators, timer 0 able to run periodically. As the PIT, the counter is a function of
/// host time since it was enabled, never ticked. Interrupts go to the IOAPIC pin a timer's Tn_INT_ROUTE_CNF names, or,
/// with legacy replacement on (spec 2.3.9.2.2), timer 0 to ISA IRQ0 / IOAPIC pin 2 and timer 1 to IRQ8 / pin 8, which
/// also silences the PIT's IRQ0. FSB (MSI) delivery is not offered (Tn_FSB_INT_DEL_CAP clear).
/// </summary>
public sealed class Hpet : IMmioDevice, IPersistentDevice<HpetState>
{
    public const ulong DefaultBase = 0xFED0_0000;
    public const int TimerCount = 3;

    /// <summary>COUNTER_CLK_PERIOD in femtoseconds: 10 ns, 100 MHz (the spec allows at most 100 ns).</summary>
    public const uint PeriodFs = 10_000_000;
    private const long NsPerTick = PeriodFs / 1_000_000;

    /// <summary>IOAPIC pins a timer may be routed to (Tn_INT_ROUTE_CAP): 20-23, clear of the ISA IRQs.</summary>
    public const uint RouteCapability = 0x00F0_0000;

    // General registers (spec 2.3.5-2.3.7) and each timer's (2.3.8-2.3.9), as offsets in the block.
    private const ulong CapabilitiesId = 0x000;
    private const ulong Configuration = 0x010;
    private const ulong InterruptStatus = 0x020;
    private const ulong MainCounter = 0x0F0;
    private const ulong TimerBlock = 0x100;
    private const ulong TimerStride = 0x20;

    private const ulong EnableCnf = 1 << 0;
    private const ulong LegacyRouteCnf = 1 << 1;

    private const ulong LevelTriggered = 1 << 1; // Tn_INT_TYPE_CNF
    private const ulong InterruptEnable = 1 << 2; // Tn_INT_ENB_CNF
    private const ulong Periodic = 1 << 3; // Tn_TYPE_CNF
    private const ulong PeriodicCapable = 1 << 4; // Tn_PER_INT_CAP
    private const ulong Size64Capable = 1 << 5; // Tn_SIZE_CAP
    private const ulong ValueSet = 1 << 6; // Tn_VAL_SET_CNF
    private const ulong Force32 = 1 << 8; // Tn_32MODE_CNF
    private const int RouteShift = 9; // Tn_INT_ROUTE_CNF, bits 13:9
    private const ulong RouteMask = 0x1FUL << RouteShift;

    // Periodic expiries closer than this are merged into one interrupt (edge-triggered lines count one request anyway);
    // it keeps a period of a few ticks from spinning the timer thread, as in the PIT.
    private const long MinPeriodicFiringNs = 100_000;

    private readonly Lock _lock = new();
    private readonly IGuestClock _clock;
    private readonly Action<int, bool> _ioApicPin;
    private readonly Action<int, bool> _isaIrq;
    private readonly Comparator[] _timers;
    private ulong _configuration;
    private ulong _status;
    private ulong _counterAtStart;
    private long _startNs;

    /// <param name="ioApicPin">Drives an IOAPIC input (GSI) to a level.</param>
    /// <param name="isaIrq">Drives an 8259 input (ISA IRQ) to a level; used in legacy replacement mode.</param>
    public Hpet(IGuestClock clock, TimerQueue timers, Action<int, bool> ioApicPin, Action<int, bool> isaIrq, ulong baseAddress = DefaultBase)
    {
        _clock = clock;
        _ioApicPin = ioApicPin;
        _isaIrq = isaIrq;
        Base = baseAddress;
        _timers = [.. Enumerable.Range(0, TimerCount).Select(n => new Comparator(n, timers.Create(deadline => OnDeadline(n, deadline))))];
        Reset();
    }

    public ulong Base { get; }

    public ulong Length => 0x400;

    /// <summary>Legacy replacement routing is on: the PIT's IRQ0 reaches neither the 8259 nor the IOAPIC (spec 2.3.9.2.2).</summary>
    public bool LegacyReplacement
    {
        get
        {
            lock (_lock)
            {
                return (_configuration & LegacyRouteCnf) != 0;
            }
        }
    }

    /// <summary>
    /// GCAP_ID (spec 2.3.4): REV_ID 1, NUM_TIM_CAP, COUNT_SIZE_CAP (64-bit), LEG_RT_CAP, vendor 0x8086, the period.
    /// </summary>
    public static ulong Capabilities =>
        1UL | ((ulong)(TimerCount - 1) << 8) | (1UL << 13) | (1UL << 15) | (0x8086UL << 16) | ((ulong)PeriodFs << 32);

    /// <summary>RESET: counter halted at 0, every timer disabled, edge, one-shot, comparator all ones, no status.</summary>
    public void Reset()
    {
        var lowered = new List<(Line Line, bool Level)>();
        lock (_lock)
        {
            foreach (var t in _timers)
            {
                LowerLocked(t, lowered);
                t.Reset(t.Index == 0 ? PeriodicCapable : 0);
            }

            _configuration = 0;
            _status = 0;
            _counterAtStart = 0;
            _startNs = 0;
        }

        Drive(lowered);
    }

    public HpetState Save()
    {
        lock (_lock)
        {
            return new HpetState(_configuration, _status, CounterLocked(_clock.NowNs),
                [.. _timers.Select(t => new HpetTimerState(t.Config, t.ComparatorValue, t.PeriodTicks, t.Asserted is not null))]);
        }
    }

    /// <summary>
    /// Puts the block back as saved, the counter continuing from its saved value. Line levels are not driven: the IOAPIC
    /// and 8259 are restored from the same snapshot with the levels they saw.
    /// </summary>
    public void Restore(HpetState state)
    {
        if (state.Timers.Length != TimerCount)
        {
            throw new ArgumentException($"HPET state needs {TimerCount} timers, has {state.Timers.Length}", nameof(state));
        }

        lock (_lock)
        {
            long now = _clock.NowNs;
            _configuration = state.Configuration & (EnableCnf | LegacyRouteCnf);
            _status = state.InterruptStatus;
            _counterAtStart = state.Counter;
            _startNs = now;
            for (int n = 0; n < TimerCount; n++)
            {
                var (t, s) = (_timers[n], state.Timers[n]);
                t.Config = s.Config;
                t.ComparatorValue = s.Comparator;
                t.PeriodTicks = s.PeriodTicks;
                t.Asserted = s.Asserted ? Route(t) : null;
                t.DeadlineNs = long.MaxValue;
            }

            RearmAllLocked(now);
        }
    }

    public ulong Read(ulong offset, int size)
    {
        lock (_lock)
        {
            ulong register = ReadRegisterLocked(offset & ~7UL);
            return Narrow(register, offset, size);
        }
    }

    public void Write(ulong offset, int size, ulong value)
    {
        var lines = new List<(Line Line, bool Level)>();
        lock (_lock)
        {
            ulong aligned = offset & ~7UL;
            ulong old = ReadRegisterLocked(aligned);
            ulong merged = Merge(old, offset, size, value, out ulong written);
            long now = _clock.NowNs;
            switch (aligned)
            {
                case Configuration:
                    WriteConfigurationLocked(merged & (EnableCnf | LegacyRouteCnf), now, lines);
                    break;
                case InterruptStatus:
                    // Write 1 to clear (spec 2.3.7); only a level-triggered timer holds its line while its bit is set.
                    _status &= ~written;
                    for (int n = 0; n < TimerCount; n++)
                    {
                        if ((written & (1UL << n)) != 0)
                        {
                            LowerLocked(_timers[n], lines);
                        }
                    }

                    break;
                case MainCounter:
                    // Software should write it only while halted (spec 2.3.8); a running write restarts the count there.
                    _counterAtStart = merged;
                    _startNs = now;
                    RearmAllLocked(now);
                    break;
                default:
                    if (aligned >= TimerBlock && aligned < TimerBlock + (TimerStride * TimerCount))
                    {
                        var t = _timers[(aligned - TimerBlock) / TimerStride];
                        WriteTimerLocked(t, (aligned - TimerBlock) % TimerStride, merged, now, lines);
                    }

                    break;
            }
        }

        Drive(lines);
    }

    private bool Running => (_configuration & EnableCnf) != 0;

    private ulong CounterLocked(long now) =>
        Running ? _counterAtStart + (ulong)(Math.Max(0, now - _startNs) / NsPerTick) : _counterAtStart;

    private ulong ReadRegisterLocked(ulong aligned)
    {
        switch (aligned)
        {
            case CapabilitiesId:
                return Capabilities;
            case Configuration:
                return _configuration;
            case InterruptStatus:
                return _status;
            case MainCounter:
                return CounterLocked(_clock.NowNs);
        }

        if (aligned < TimerBlock || aligned >= TimerBlock + (TimerStride * TimerCount))
        {
            return 0; // reserved registers read as zero
        }

        var t = _timers[(aligned - TimerBlock) / TimerStride];
        return ((aligned - TimerBlock) % TimerStride) switch
        {
            0x00 => t.Config | ((ulong)RouteCapability << 32),
            0x08 => t.ComparatorValue & Mask(t),
            _ => 0, // FSB route: no FSB delivery
        };
    }

    private void WriteConfigurationLocked(ulong value, long now, List<(Line Line, bool Level)> lines)
    {
        bool wasRunning = Running;
        ulong counter = CounterLocked(now);
        var before = _timers.Select(t => t.Asserted).ToArray();
        _configuration = value;
        if (Running && !wasRunning)
        {
            _counterAtStart = counter;
            _startNs = now;
        }
        else if (!Running && wasRunning)
        {
            _counterAtStart = counter; // halted: the counter holds its value (spec 2.3.5 ENABLE_CNF)
        }

        // A change of legacy routing moves an asserted level line to its new destination.
        for (int n = 0; n < TimerCount; n++)
        {
            if (before[n] is { } old && !Equals(old, Route(_timers[n])))
            {
                lines.Add((old, false));
                _timers[n].Asserted = null;
                if ((_status & (1UL << n)) != 0)
                {
                    AssertLocked(_timers[n], lines);
                }
            }
        }

        RearmAllLocked(now);
    }

    private void WriteTimerLocked(Comparator t, ulong register, ulong merged, long now, List<(Line Line, bool Level)> lines)
    {
        if (register == 0x00)
        {
            const ulong writable = LevelTriggered | InterruptEnable | Periodic | ValueSet | Force32 | RouteMask;
            ulong config = merged & writable;
            if ((t.Config & PeriodicCapable) == 0)
            {
                config &= ~(Periodic | ValueSet); // Tn_TYPE_CNF is read-only 0 on a timer without Tn_PER_INT_CAP
            }

            t.Config = (t.Config & (PeriodicCapable | Size64Capable)) | config;
            if (t.Asserted is { } line && (!Equals(line, Route(t)) || (t.Config & LevelTriggered) == 0))
            {
                LowerLocked(t, lines);
            }

            RearmLocked(t, now);
            return;
        }

        if (register != 0x08)
        {
            return;
        }

        // Tn_COMPARATOR_VAL (spec 2.3.9.2): one-shot, the write sets the match value; periodic, with Tn_VAL_SET_CNF set it
        // sets the accumulator (the next match) directly, otherwise it sets the period added at each match. Tn_VAL_SET_CNF
        // clears itself after the write. A 32-bit timer keeps the high half zero. A half-register write arrives merged
        // with the other half as it reads back.
        ulong value = merged & Mask(t);
        bool periodic = (t.Config & Periodic) != 0;
        if (!periodic || (t.Config & ValueSet) != 0)
        {
            t.ComparatorValue = value;
        }

        if (periodic)
        {
            t.PeriodTicks = value;
        }

        t.Config &= ~ValueSet;
        RearmLocked(t, now);
    }

    private void RearmAllLocked(long now)
    {
        foreach (var t in _timers)
        {
            RearmLocked(t, now);
        }
    }

    /// <summary>Arms the host timer for the next counter match, or disarms it when the counter is halted.</summary>
    private void RearmLocked(Comparator t, long now)
    {
        if (!Running)
        {
            t.DeadlineNs = long.MaxValue;
            t.HostTimer.Disarm();
            return;
        }

        ulong elapsed = (ulong)(Math.Max(0, now - _startNs) / NsPerTick);
        ulong mask = Mask(t);

        // Ticks until the counter (or its low 32 bits) next equals the comparator; a 64-bit one-shot already passed
        // matches again only after the counter wraps, some 5800 years away at 100 MHz.
        ulong ahead = (t.ComparatorValue - (_counterAtStart + elapsed)) & mask;
        if (ahead == 0)
        {
            ahead = mask == ulong.MaxValue ? ulong.MaxValue : mask + 1;
        }

        // The counter takes the matching value on a tick boundary: start + (elapsed + ahead) ticks.
        ulong reachable = (ulong)((long.MaxValue - _startNs) / NsPerTick);
        t.DeadlineNs = ahead > reachable - elapsed ? long.MaxValue : _startNs + ((long)(elapsed + ahead) * NsPerTick);
        if (t.DeadlineNs == long.MaxValue)
        {
            t.HostTimer.Disarm();
        }
        else
        {
            t.HostTimer.Arm(t.DeadlineNs);
        }
    }

    private static ulong Mask(Comparator t) => (t.Config & Force32) != 0 ? 0xFFFF_FFFFUL : ulong.MaxValue;

    private void OnDeadline(int n, long deadline)
    {
        var lines = new List<(Line Line, bool Level)>();
        lock (_lock)
        {
            var t = _timers[n];
            if (deadline != t.DeadlineNs || !Running)
            {
                return;
            }

            long now = _clock.NowNs;
            if ((t.Config & Periodic) != 0)
            {
                // Each match adds the period to the comparator (spec 2.3.9.2.2); matches the host slept through are merged
                // into this one, at most one interrupt per MinPeriodicFiringNs.
                ulong period = Math.Max(t.PeriodTicks, 1);
                ulong mask = Mask(t);
                ulong counter = CounterLocked(Math.Max(now, deadline + MinPeriodicFiringNs - 1));
                ulong behind = (counter - t.ComparatorValue) & mask; // within half the range: the counter is past it
                ulong periods = behind <= mask >> 1 ? (behind / period) + 1 : 1;
                t.ComparatorValue = (t.ComparatorValue + (periods * period)) & mask;
            }

            if ((t.Config & InterruptEnable) != 0)
            {
                if ((t.Config & LevelTriggered) != 0)
                {
                    _status |= 1UL << n;
                    AssertLocked(t, lines);
                }
                else
                {
                    lines.Add((Route(t), true));
                    lines.Add((Route(t), false));
                }
            }

            t.DeadlineNs = long.MaxValue;
            RearmLocked(t, now);
        }

        Drive(lines);
    }

    private void AssertLocked(Comparator t, List<(Line Line, bool Level)> lines)
    {
        var route = Route(t);
        if (t.Asserted is null)
        {
            t.Asserted = route;
            lines.Add((route, true));
        }
    }

    private static void LowerLocked(Comparator t, List<(Line Line, bool Level)> lines)
    {
        if (t.Asserted is { } line)
        {
            lines.Add((line, false));
            t.Asserted = null;
        }
    }

    /// <summary>
    /// Where timer <paramref name="t"/>'s interrupt goes: legacy replacement fixes timers 0 and 1; otherwise the routed
    /// IOAPIC pin if Tn_INT_ROUTE_CAP allows it (the spec leaves other values undefined; here they go nowhere).
    /// </summary>
    private Line Route(Comparator t)
    {
        if ((_configuration & LegacyRouteCnf) != 0 && t.Index < 2)
        {
            return t.Index == 0 ? new Line(2, 0) : new Line(8, 8);
        }

        int pin = (int)((t.Config & RouteMask) >> RouteShift);
        return (RouteCapability & (1u << pin)) != 0 ? new Line(pin, null) : new Line(null, null);
    }

    /// <summary>Drives the lines changed under the lock, after it is released: the IOAPIC and 8259 take their own locks.</summary>
    private void Drive(List<(Line Line, bool Level)> changes)
    {
        foreach (var (line, level) in changes)
        {
            if (line.Pin is { } pin)
            {
                _ioApicPin(pin, level);
            }

            if (line.Isa is { } irq)
            {
                _isaIrq(irq, level);
            }
        }
    }

    private static ulong Narrow(ulong register, ulong offset, int size)
    {
        ulong shifted = register >> (int)((offset & 7) * 8);
        return size >= 8 ? shifted : shifted & ((1UL << (size * 8)) - 1);
    }

    /// <summary>A 1-, 2- or 4-byte write into part of a 64-bit register; <paramref name="written"/> has the new bits in place.</summary>
    private static ulong Merge(ulong old, ulong offset, int size, ulong value, out ulong written)
    {
        if (size >= 8)
        {
            written = value;
            return value;
        }

        int shift = (int)((offset & 7) * 8);
        ulong mask = ((1UL << (size * 8)) - 1) << shift;
        written = (value << shift) & mask;
        return (old & ~mask) | written;
    }

    /// <summary>An interrupt destination: an IOAPIC pin, an 8259 input, or both (legacy replacement).</summary>
    private readonly record struct Line(int? Pin, int? Isa);

    private sealed class Comparator(int index, TimerQueue.Timer hostTimer)
    {
        public int Index { get; } = index;

        public TimerQueue.Timer HostTimer { get; } = hostTimer;

        public ulong Config { get; set; }

        public ulong ComparatorValue { get; set; }

        public ulong PeriodTicks { get; set; }

        public long DeadlineNs { get; set; } = long.MaxValue;

        /// <summary>The level line this timer holds asserted (level-triggered, status bit set), if any.</summary>
        public Line? Asserted { get; set; }

        public void Reset(ulong periodicCapability)
        {
            HostTimer.Disarm();
            Config = periodicCapability | Size64Capable;
            ComparatorValue = ulong.MaxValue;
            PeriodTicks = 0;
            DeadlineNs = long.MaxValue;
            Asserted = null;
        }
    }
}
