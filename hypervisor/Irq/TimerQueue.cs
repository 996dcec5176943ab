using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Irq;

/// <summary>
/// The VM's device timers (LAPIC timers, PIT channel 0, HPET comparators), served two ways: each timer rings a vCPU at
/// its deadline (<see cref="IVcpuDoorbell.RingAt"/>: its own vCPU for a LAPIC timer, the BSP for the platform's), and
/// a vCPU in the guest at that moment leaves it and calls <see cref="RunDue"/> itself, on the CPU it runs on; and one
/// background thread waits for the earliest deadline and serves what no vCPU took: at once for a vCPU that waits in the
/// VMM (<see cref="IVcpuDoorbell.Sleeping"/>), after <see cref="VcpuServesFirstNs"/> for one in the guest.
/// The first way exists because the second alone depends on the host: on a host that is itself a VM, the timer thread
/// wakes on an idle CPU that the outer host resumes up to milliseconds late, while the guest's CPU is awake
/// (docs/notes/apic.md). Callbacks run with no queue lock held, so a callback may take its device's lock and re-arm
/// itself; a device must in turn never hold its own lock while waiting for the queue. A callback receives the deadline
/// it was armed for, so periodic timers re-arm from that deadline, not from "now", and late wake-ups never accumulate
/// into drift. A callback can race with a re-arm or disarm from another thread, or with the previous arming's callback
/// on another serving thread, and arrive for an arming that was just replaced: devices compare the deadline they are
/// given with the one they hold, under their lock.
/// The thread sleeps to the absolute deadline on a timerfd (<see cref="HostDeadlineWait"/>): a guest's 100 µs timer
/// is not rounded up to the next whole millisecond, so sub-millisecond periods keep their rate. It wakes
/// <see cref="FinalSpinNs"/> early and spins the rest, since a timerfd wake-up itself comes tens of µs late; and it runs
/// SCHED_FIFO where the host allows (<see cref="HostRealTimeThread"/>), so a loaded host cannot hold an expiry back.
/// </summary>
public sealed class TimerQueue : IDisposable
{
    private readonly IGuestClock _clock;
    private readonly IVcpuDoorbell? _platformDoorbell;
    private readonly object _lock = new();
    // Short enough that spinning at real-time priority costs a core little (20 µs per expiry: 2 % at 1 kHz).
    private const long FinalSpinNs = 20_000;

    // How long the timer thread leaves a timer whose vCPU is in the guest to that vCPU's deadline kick. Taken by the timer
    // thread, the expiry would wait for that thread even when the kick came in time, and on a host that is itself a VM
    // the thread can lose its CPU for a millisecond between taking a timer and firing it (docs/notes/apic.md, session 8).
    // Beyond it the thread serves anyway, for a kick that fired on an idle CPU.
    private const long VcpuServesFirstNs = 200_000;

    private readonly List<Timer> _armed = [];

    // The earliest armed deadline, read without the lock by RunDue's fast path on every vCPU exit: it is lowered under
    // the lock before Arm returns, so it is never later than a deadline armed before the read.
    private long _earliest = long.MaxValue;
    private readonly HostDeadlineWait? _wait;

    // Started at the first arming, so that no VM waits for it before its guest's first instruction and a guest that arms
    // no device timer (a probe that only prints) never does: NativeAOT's Thread.Start spins in sched_yield until it runs.
    private Thread? _thread;
    private bool _disposed;

    /// <param name="platformDoorbell">The vCPU that timers created without one of their own ring at their deadline (the BSP).</param>
    /// <param name="background">
    /// False for tests: no thread is started, and <see cref="RunDue"/> fires what the (fake) clock says is due.
    /// </param>
    public TimerQueue(IGuestClock clock, IVcpuDoorbell? platformDoorbell = null, bool background = true)
    {
        _clock = clock;
        _platformDoorbell = platformDoorbell;
        if (background)
        {
            _wait = new HostDeadlineWait();
        }
    }

    /// <summary>
    /// Whether the timer thread got real-time priority (false without a thread, before the first arming, or without
    /// CAP_SYS_NICE).
    /// </summary>
    public bool RealTime { get; private set; }

    /// <summary>
    /// A timer that calls <paramref name="onExpiry"/> with its deadline (host ns) once per arming, and rings
    /// <paramref name="vcpu"/> (default: the platform's doorbell) at that deadline.
    /// </summary>
    public Timer Create(Action<long> onExpiry, IVcpuDoorbell? vcpu = null) => new(this, onExpiry, vcpu ?? _platformDoorbell);

    /// <summary>
    /// Fires every timer whose deadline is not after the clock's now; returns how many fired. Called by the timer thread
    /// and by every vCPU thread between two KVM_RUNs: with nothing due it costs a clock read.
    /// </summary>
    public int RunDue() => Serve(timerThread: false);

    /// <summary>
    /// <paramref name="vcpu"/> is about to wait in the VMM (HLT, wait-for-SIPI), where its deadline kick cannot reach it:
    /// the timer thread recomputes its deadline without leaving that vCPU's timers to it.
    /// </summary>
    public void VcpuSleeps(IVcpuDoorbell vcpu)
    {
        bool hasTimers;
        lock (_lock)
        {
            hasTimers = Earliest(timerThread: false, of: vcpu) != long.MaxValue;
        }

        if (hasTimers && _thread is not null)
        {
            _wait!.Wake();
        }
    }

    // Under the lock: when a serving thread may take the timer.
    private static long ServeAt(Timer timer, bool timerThread) =>
        timerThread && timer.Doorbell is { Sleeping: false }
            ? timer.Deadline + Math.Min(VcpuServesFirstNs, long.MaxValue - timer.Deadline)
            : timer.Deadline;

    private int Serve(bool timerThread)
    {
        if (!timerThread && _clock.NowNs < Volatile.Read(ref _earliest))
        {
            return 0;
        }

        var due = new List<(Timer Timer, long Deadline)>();
        lock (_lock)
        {
            long now = _clock.NowNs;
            for (int i = _armed.Count - 1; i >= 0; i--)
            {
                var timer = _armed[i];
                if (ServeAt(timer, timerThread) <= now)
                {
                    due.Add((timer, timer.Deadline));
                    timer.Deadline = long.MaxValue;
                    _armed.RemoveAt(i);
                }
            }

            foreach (var doorbell in due.Select(d => d.Timer.Doorbell).Distinct())
            {
                RingAtEarliest(doorbell);
            }

            UpdateEarliest();
        }

        foreach (var (timer, deadline) in due.OrderBy(d => d.Deadline))
        {
            timer.Fire(deadline);
        }

        return due.Count;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _armed.Clear();
            UpdateEarliest();
        }

        _wait?.Wake();
        _thread?.Join();
        _wait?.Dispose();
    }

    private void Arm(Timer timer, long deadlineNs)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (timer.Deadline == long.MaxValue)
            {
                _armed.Add(timer);
            }

            timer.Deadline = deadlineNs;
            RingAtEarliest(timer.Doorbell);
            UpdateEarliest();
            if (_wait is not null && _thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "rig-hv timers" };
                _thread.Start();
            }
        }

        // The thread re-computes its deadline; a callback re-arming on the thread itself needs no wake-up.
        if (_thread is not null && Environment.CurrentManagedThreadId != _thread.ManagedThreadId)
        {
            _wait!.Wake();
        }
    }

    private void Disarm(Timer timer)
    {
        lock (_lock)
        {
            if (timer.Deadline != long.MaxValue)
            {
                timer.Deadline = long.MaxValue;
                _armed.Remove(timer);
                RingAtEarliest(timer.Doorbell);
                UpdateEarliest();
            }
        }
    }

    // Under the lock: a doorbell rings at the earliest deadline of the timers that name it.
    private void RingAtEarliest(IVcpuDoorbell? doorbell) => doorbell?.RingAt(Earliest(timerThread: false, of: doorbell));

    // Under the lock.
    private void UpdateEarliest() => Volatile.Write(ref _earliest, Earliest(timerThread: false));

    // Under the lock: the earliest time a serving thread may take an armed timer, of one vCPU's timers or of all
    // (long.MaxValue: none armed).
    private long Earliest(bool timerThread, IVcpuDoorbell? of = null)
    {
        long earliest = long.MaxValue;
        foreach (var timer in _armed)
        {
            if (of is null || timer.Doorbell == of)
            {
                earliest = Math.Min(earliest, ServeAt(timer, timerThread));
            }
        }

        return earliest;
    }

    private void Run()
    {
        RealTime = HostRealTimeThread.TryEnter();
        while (true)
        {
            long earliest;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                earliest = Earliest(timerThread: true);
            }

            if (earliest == long.MaxValue || earliest - _clock.NowNs > FinalSpinNs)
            {
                _wait!.WaitUntil(earliest == long.MaxValue ? earliest : earliest - FinalSpinNs);
                continue;
            }

            // A nearer timer armed meanwhile fires at most FinalSpinNs late; a disarmed one leaves RunDue nothing to do.
            while (_clock.NowNs < earliest)
            {
                Thread.SpinWait(20);
            }

            Serve(timerThread: true);
        }
    }

    /// <summary>One device timer. Arming an armed timer moves its deadline; disarming an idle one does nothing.</summary>
    public sealed class Timer
    {
        private readonly TimerQueue _queue;
        private readonly Action<long> _onExpiry;

        internal Timer(TimerQueue queue, Action<long> onExpiry, IVcpuDoorbell? doorbell)
        {
            _queue = queue;
            _onExpiry = onExpiry;
            Doorbell = doorbell;
        }

        /// <summary>The vCPU rung at this timer's deadline; null: the timer thread alone serves it.</summary>
        internal IVcpuDoorbell? Doorbell { get; }

        /// <summary>Guarded by the queue's lock; <see cref="long.MaxValue"/> when idle.</summary>
        internal long Deadline { get; set; } = long.MaxValue;

        public void Arm(long deadlineNs) => _queue.Arm(this, Math.Min(deadlineNs, long.MaxValue - 1));

        public void Disarm() => _queue.Disarm(this);

        internal void Fire(long deadline) => _onExpiry(deadline);
    }
}
