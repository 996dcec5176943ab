using Rig.Hypervisor.Defects;

namespace Rig.Hypervisor.Irq;

/// <summary>
/// A local APIC's timer (SDM Vol. 3A 12.5.4 one-shot and periodic, 12.5.4.1 TSC-deadline): the initial and current
/// counts, the divider, the deadline, and the host timer that stands for the count reaching zero. The mode comes from
/// the LVT timer entry, which stays the <see cref="Lapic"/>'s register. Every member is called with the owning Lapic's
/// lock held; an expiry arrives on a serving thread (the timer thread or a vCPU, TimerQueue) at the Lapic, which takes its lock and calls <see cref="Expire"/>.
/// </summary>
internal sealed class LapicTimer
{
    // One timer count per this many host nanoseconds before the divider (Lapic.TimerFrequencyHz).
    private const long NsPerTimerTick = 1_000_000_000 / Lapic.TimerFrequencyHz;

    // Periodic expiries closer than this are merged (IRR holds one bit per vector, so the guest could not tell them
    // apart anyway); it keeps a hostile initial count of 1 from spinning the timer thread. KVM clamps to 200 us.
    private const long MinPeriodicFiringNs = 100_000;

    // Only with defect expired-timer-destroyed-on-lvt-write: how late Xen's host timer may run after a deadline
    // (timer_slop, xen/common/timer.c), the window in which that defect's LVT write finds the count at zero unserved.
    private const long XenTimerSlopNs = 50_000;

    private readonly int _vcpu;
    private readonly IGuestClock _clock;
    private readonly Func<uint> _lvt;
    private readonly DefectSet _defects;
    private readonly TimerQueue.Timer _timer;
    private bool _swallowNextArming;
    private bool _running;
    private long _startNs;
    private long _deadlineNs = long.MaxValue;

    /// <param name="vcpu">The vCPU whose TSC the TSC-deadline mode compares against.</param>
    /// <param name="lvt">Reads the LVT timer entry (under the Lapic's lock): its bits 18:17 are the mode.</param>
    /// <param name="doorbell">The timer's own vCPU, rung at each deadline so that it serves the expiry itself.</param>
    /// <param name="onExpiry">Called by a serving thread with the deadline that expired; the Lapic locks and calls <see cref="Expire"/>.</param>
    public LapicTimer(int vcpu, IGuestClock clock, Func<uint> lvt, TimerQueue timers, IVcpuDoorbell doorbell, Action<long> onExpiry, DefectSet defects)
    {
        _vcpu = vcpu;
        _clock = clock;
        _lvt = lvt;
        _defects = defects;
        _timer = timers.Create(onExpiry, doorbell);
    }

    private enum Mode
    {
        OneShot = 0,
        Periodic = 1,
        TscDeadline = 2,
        Reserved = 3,
    }

    public uint InitialCount { get; private set; }

    public uint DivideConfiguration { get; private set; }

    /// <summary>The IA32_TSC_DEADLINE value as stored: kept even while another mode is selected, for snapshots.</summary>
    public ulong StoredTscDeadline { get; private set; }

    /// <summary>IA32_TSC_DEADLINE as software reads it: zero outside TSC-deadline mode and once it fired (SDM 12.5.4.1).</summary>
    public ulong TscDeadline => CurrentMode == Mode.TscDeadline ? StoredTscDeadline : 0;

    /// <summary>The armed expiry when the host clock has already reached it (the timer thread may not have run yet), else null.</summary>
    public long? DueDeadline => _deadlineNs <= _clock.NowNs ? _deadlineNs : null;

    /// <summary>Whether a one-shot or periodic count is running.</summary>
    public bool Running => _running;

    /// <summary>Host time since the running count started (0 when none runs), for snapshots.</summary>
    public long ElapsedNs => _running ? _clock.NowNs - _startNs : 0;

    private Mode CurrentMode => ModeOf(_lvt());

    /// <summary>An LVT timer entry's mode, bits 18:17 (SDM Vol. 3A 12.5.1).</summary>
    private static Mode ModeOf(uint lvt) => (Mode)((lvt >> 17) & 3);

    private long Divisor => ((DivideConfiguration >> 1) & 4 | DivideConfiguration & 3) switch
    {
        7 => 1,
        var v => 2L << (int)v,
    };

    private long PeriodNs => InitialCount * Divisor * NsPerTimerTick;

    /// <summary>
    /// RESET is about to clear the timer. Only with defect timer-lost-on-reset (seed 001, timer class): a timer that was
    /// running at reset leaves its "pending" state behind, and that stale state swallows the next boot's first arming.
    /// </summary>
    public void NoteReset() =>
        _swallowNextArming = _defects.IsOn(DefectCatalog.TimerLostOnReset) && (_running || StoredTscDeadline != 0);

    /// <summary>The timer's part of the reset state (SDM 12.4.7.1): counts and divider zero, nothing armed.</summary>
    public void Clear()
    {
        InitialCount = 0;
        DivideConfiguration = 0;
        _running = false;
        StoredTscDeadline = 0;
        Disarm();
    }

    /// <summary>Loads a saved timer; the LVT timer entry must already hold its saved value.</summary>
    public void Restore(uint initialCount, uint divideConfiguration, bool running, long elapsedNs, ulong tscDeadline)
    {
        InitialCount = initialCount;
        DivideConfiguration = divideConfiguration;
        StoredTscDeadline = tscDeadline;
        Disarm();
        long now = _clock.NowNs;
        _running = running && InitialCount != 0 && CurrentMode is Mode.OneShot or Mode.Periodic;
        if (_running)
        {
            _startNs = now - elapsedNs;
            ArmCountdown(now);
        }
        else if (CurrentMode == Mode.TscDeadline && StoredTscDeadline != 0)
        {
            ArmTscDeadline();
        }
    }

    public void WriteTscDeadline(ulong value)
    {
        // Writes are ignored outside TSC-deadline mode; zero disarms; a deadline in the past fires at once (SDM 12.5.4.1).
        if (CurrentMode != Mode.TscDeadline)
        {
            return;
        }

        StoredTscDeadline = value;
        Disarm();
        if (value != 0 && !SwallowedByStaleTimer())
        {
            ArmTscDeadline();
        }
    }

    public uint CurrentCount()
    {
        // Computed from elapsed time (SDM 12.5.4): the count falls by one every divisor ticks, and reads 0 in
        // TSC-deadline mode and once a one-shot count has expired.
        if (!_running || CurrentMode is not (Mode.OneShot or Mode.Periodic))
        {
            return 0;
        }

        long elapsedTicks = (_clock.NowNs - _startNs) / NsPerTimerTick / Divisor;
        if (CurrentMode == Mode.Periodic)
        {
            return (uint)(InitialCount - (elapsedTicks % InitialCount));
        }

        return elapsedTicks >= InitialCount ? 0 : (uint)(InitialCount - elapsedTicks);
    }

    public void WriteInitialCount(uint value)
    {
        // Ignored in TSC-deadline mode (SDM 12.5.4.1). Otherwise the count restarts; zero stops the timer (SDM 12.5.4).
        if (CurrentMode == Mode.TscDeadline)
        {
            return;
        }

        InitialCount = value;
        Disarm();
        _running = value != 0 && CurrentMode != Mode.Reserved;
        if (_running && SwallowedByStaleTimer())
        {
            _running = false;
            return;
        }

        if (_running)
        {
            _startNs = _clock.NowNs;
            ArmCountdown(_startNs);
        }
    }

    public void WriteDivide(uint value)
    {
        // Keep the current count continuous across a divider change and count the rest at the new rate.
        uint current = CurrentCount();
        DivideConfiguration = value & 0xB;
        if (_running)
        {
            long now = _clock.NowNs;
            _startNs = now - ((InitialCount - current) * Divisor * NsPerTimerTick);
            Disarm();
            ArmCountdown(now);
        }
    }

    /// <summary>The Lapic stores <paramref name="value"/> as the LVT timer entry; this applies the mode change around it.</summary>
    public void WriteLvt(uint value, Action<uint> store)
    {
        var before = CurrentMode;
        long now = _clock.NowNs;
        if (_defects.IsOn(DefectCatalog.ExpiredTimerDestroyedOnLvtWrite) && before == Mode.OneShot && _running &&
            now - _startNs >= PeriodNs && ModeOf(value) is Mode.OneShot or Mode.Periodic)
        {
            // vlapic_update_timer: no time left, so destroy_periodic_time, whose callback had not yet raised the IRQ.
            _running = false;
            Disarm();
            store(value);
            return;
        }

        if (before == Mode.Periodic && _running)
        {
            // Rebase to the current period so a switch to one-shot counts down only what is left of it.
            long period = PeriodNs;
            _startNs += (now - _startNs) / period * period;
        }

        store(value);
        var after = CurrentMode;
        if ((before == Mode.TscDeadline) != (after == Mode.TscDeadline) || after == Mode.Reserved)
        {
            // Switching into or out of TSC-deadline mode disarms the timer (SDM 12.5.4.1); one-shot and periodic swap
            // without restarting the count (12.5.4: a mode change "does not start the timer").
            InitialCount = 0;
            StoredTscDeadline = 0;
            _running = false;
            Disarm();
        }
        else if (_running && before != after)
        {
            Disarm();
            ArmCountdown(now);
        }
    }

    /// <summary>
    /// The host timer for <paramref name="deadline"/> expired: true when the count reached zero (or the TSC the deadline)
    /// and the LVT timer entry must be signalled. A periodic timer re-arms itself.
    /// </summary>
    public bool Expire(long deadline)
    {
        if (deadline != _deadlineNs)
        {
            return false; // re-armed or disarmed since this expiry was taken off the queue
        }

        _deadlineNs = long.MaxValue;
        switch (CurrentMode)
        {
            case Mode.TscDeadline:
                StoredTscDeadline = 0;
                return true;
            case Mode.OneShot when _running:
                _running = false;
                return true;
            case Mode.Periodic when _running:
                Arm(NextPeriodicDeadline(deadline));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Only with defect timer-lost-on-reset: the first arming after a reset counts nothing and never fires.</summary>
    private bool SwallowedByStaleTimer()
    {
        bool swallow = _swallowNextArming;
        _swallowNextArming = false;
        return swallow;
    }

    private void ArmTscDeadline()
    {
        ulong tsc = _clock.GuestTsc(_vcpu);
        long now = _clock.NowNs;
        long delayNs = 0;
        if (StoredTscDeadline > tsc && _clock.TscHz != 0)
        {
            UInt128 ns = (UInt128)(StoredTscDeadline - tsc) * 1_000_000_000 / _clock.TscHz;
            delayNs = ns > (UInt128)(long.MaxValue / 2) ? long.MaxValue / 2 : (long)ns;
        }

        Arm(now + Math.Min(delayNs, long.MaxValue - now - 1));
    }

    private void ArmCountdown(long now)
    {
        long period = PeriodNs;
        long elapsed = now - _startNs;
        long next = _startNs + period;
        if (CurrentMode == Mode.Periodic && elapsed >= period)
        {
            next = _startNs + ((elapsed / period) + 1) * period;
        }

        if (CurrentMode == Mode.OneShot && _defects.IsOn(DefectCatalog.ExpiredTimerDestroyedOnLvtWrite))
        {
            next += XenTimerSlopNs;
        }

        Arm(next);
    }

    private void Arm(long deadlineNs)
    {
        _deadlineNs = deadlineNs;
        _timer.Arm(deadlineNs);
    }

    private void Disarm()
    {
        _deadlineNs = long.MaxValue;
        _timer.Disarm();
    }

    /// <summary>The next expiry from the previous deadline, in phase with it, merging expiries the host was late for.</summary>
    private long NextPeriodicDeadline(long previous)
    {
        long period = PeriodNs;
        long step = period * Math.Max(1, (MinPeriodicFiringNs + period - 1) / period);
        long now = _clock.NowNs;
        long next = previous + step;
        if (next <= now)
        {
            next += (now - next) / step * step + step;
        }

        return next;
    }
}
