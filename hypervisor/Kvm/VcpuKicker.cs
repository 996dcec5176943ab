using System.Runtime.CompilerServices;
using Rig.Hypervisor.Xen;
using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Makes a vCPU thread leave KVM_RUN, now from any thread (<see cref="Kick"/>) or at a host deadline (<see cref="KickAt"/>).
/// A kick sets kvm_run.immediate_exit (so a KVM_RUN about to start returns at once with EINTR) and sends the thread a
/// real-time signal (so a KVM_RUN in progress returns with EINTR). A deadline is a POSIX timer aimed at the vCPU thread
/// (timer_create(2), SIGEV_THREAD_ID): its hrtimer fires on the CPU that runs the guest, which is awake, where a
/// timer thread sleeping on an idle CPU of a virtualized host waits for that CPU to be woken (docs/notes/apic.md). Its
/// signal carries the address of immediate_exit, which the handler sets itself, so an expiry that lands between the
/// VMM's last look at its timers and the next KVM_RUN still ends that KVM_RUN at once. An hrtimer stays on the CPU that
/// armed it, so when the vCPU thread has moved, <see cref="FollowCpu"/> re-arms it where the thread now runs, as KVM
/// moves its LAPIC timer's hrtimer with the vCPU (kvm_lapic migrate_timer); else the old CPU, now idle, fires it late.
/// The handler is machine code in an executable page of its own: no managed code runs in signal context.
/// </summary>
public sealed unsafe class VcpuKicker
{
    /// <summary>SIGRTMIN+6 with glibc (SIGRTMIN = 34); .NET itself uses SIGRTMIN for activation injection.</summary>
    public const int KickSignal = 40;

    private const int SigevThreadId = 4; // SIGEV_THREAD_ID, asm-generic/siginfo.h

    // void handler(int signo, siginfo_t* info, void* context): a timer's siginfo carries si_value at offset 24
    // (asm-generic/siginfo.h: _sifields at 16, _timer { int _tid; int _overrun; sigval_t _sigval; }); a pthread_kill's
    // siginfo has zero there (the kernel clears the siginfo of tkill), so the store is skipped.
    private static readonly byte[] HandlerCode =
    [
        0x48, 0x8B, 0x46, 0x18, // mov rax, [rsi + 24]
        0x48, 0x85, 0xC0, //       test rax, rax
        0x74, 0x03, //             jz ret
        0xC6, 0x00, 0x01, //       mov byte [rax], 1
        0xC3, //                   ret
    ];

    private static readonly Lock InstallLock = new();
    private static bool s_installed;

    private readonly KvmRunPage _run;
    private readonly Lock _alarmLock = new();
    private nuint _thread;
    private nint _alarm;
    private bool _alarmCreated;
    private bool _alarmRetired;
    private long _kickAt = long.MaxValue;
    private int _armedOnCpu = -1;
    private long _kickedAt = long.MaxValue;

    public VcpuKicker(KvmRunPage run)
    {
        _run = run;
        InstallHandler();
    }

    /// <summary>Call on the vCPU thread before its first KVM_RUN: kicks go to it, and so does the deadline.</summary>
    public void BindToCurrentThread()
    {
        Volatile.Write(ref _thread, LibcGaps.PthreadSelf());
        long* sigevent = stackalloc long[8];
        new Span<long>(sigevent, 8).Clear();
        sigevent[0] = (long)_run.ImmediateExitAddress;
        ((int*)sigevent)[2] = KickSignal;
        ((int*)sigevent)[3] = SigevThreadId;
        ((int*)sigevent)[4] = LibcGaps.Gettid();
        lock (_alarmLock)
        {
            nint alarm;
            if (LibcGaps.TimerCreate(LibcGaps.ClockMonotonic, sigevent, &alarm) != 0)
            {
                throw KvmException.FromErrno("timer_create for the vCPU's deadline kick");
            }

            (_alarm, _alarmCreated) = (alarm, true);
            Program(_kickAt);
        }
    }

    public void Kick()
    {
        Interlocked.CompareExchange(ref _kickedAt, HostClock.Instance.MonotonicNanoseconds, long.MaxValue);
        _run.ImmediateExit = true;
        nuint thread = Volatile.Read(ref _thread);
        if (thread != 0)
        {
            // pthread_t is an opaque pointer-sized word; Tmds.LibC's has no public constructor, so the word is reinterpreted.
            LibC.pthread_kill(Unsafe.BitCast<nuint, pthread_t>(thread), KickSignal);
        }
    }

    /// <summary>
    /// Kicks the vCPU at host CLOCK_MONOTONIC <paramref name="deadlineNs"/> (replacing the previous deadline;
    /// long.MaxValue: none). Before the thread is bound the deadline is kept for it; after it retired, ignored.
    /// </summary>
    public void KickAt(long deadlineNs)
    {
        lock (_alarmLock)
        {
            if (deadlineNs != _kickAt)
            {
                Volatile.Write(ref _kickAt, deadlineNs);
                Program(deadlineNs);
            }
        }
    }

    /// <summary>Call on the vCPU thread before each KVM_RUN: a deadline armed from another CPU is moved to this one.</summary>
    public void FollowCpu()
    {
        if (Volatile.Read(ref _kickAt) != long.MaxValue && Volatile.Read(ref _armedOnCpu) != LibcGaps.SchedGetcpu())
        {
            lock (_alarmLock)
            {
                Program(_kickAt);
            }
        }
    }

    /// <summary>Call on the vCPU thread as it ends, before the run page goes: the timer and any pending expiry are deleted.</summary>
    public void Retire()
    {
        lock (_alarmLock)
        {
            if (_alarmCreated && !_alarmRetired)
            {
                LibcGaps.TimerDelete(_alarm);
            }

            _alarmRetired = true;
        }
    }

    /// <summary>Call on the vCPU thread after KVM_RUN returned, before looking at what the kick asked for.</summary>
    public void Acknowledge()
    {
        _run.ImmediateExit = false;
        Volatile.Write(ref _kickedAt, long.MaxValue);
    }

    /// <summary>Host CLOCK_MONOTONIC ns of the first <see cref="Kick"/> since the last <see cref="Acknowledge"/> (long.MaxValue: none).</summary>
    public long KickedAt => Volatile.Read(ref _kickedAt);

    /// <summary>The armed deadline (host CLOCK_MONOTONIC ns; long.MaxValue: none).</summary>
    public long Deadline => Volatile.Read(ref _kickAt);

    /// <summary>The host CPU the deadline's timer was last armed on (-1: never).</summary>
    public int DeadlineCpu => Volatile.Read(ref _armedOnCpu);

    private void Program(long deadlineNs)
    {
        if (!_alarmCreated || _alarmRetired)
        {
            return;
        }

        Volatile.Write(ref _armedOnCpu, LibcGaps.SchedGetcpu());
        long* spec = stackalloc long[4];
        LibcGaps.OneShotAt(deadlineNs, spec);
        if (LibcGaps.TimerSettime(_alarm, LibcGaps.TimerAbsolute, spec, null) != 0)
        {
            throw KvmException.FromErrno("timer_settime for the vCPU's deadline kick");
        }
    }

    private static void InstallHandler()
    {
        lock (InstallLock)
        {
            if (s_installed)
            {
                return;
            }

            void* page = LibC.mmap(null, 4096, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
            if (page == LibC.MAP_FAILED)
            {
                throw KvmException.FromErrno("mmap of the kick signal handler");
            }

            HandlerCode.CopyTo(new Span<byte>(page, HandlerCode.Length));
            if (LibC.mprotect(page, 4096, LibC.PROT_READ | LibC.PROT_EXEC) != 0)
            {
                throw KvmException.FromErrno("mprotect of the kick signal handler");
            }

            // sa_mask empty: the handler blocks nothing but the kick itself.
            var action = new sigaction { sa_handler = page, sa_flags = LibC.SA_RESTART | LibC.SA_SIGINFO };
            if (LibC.sigaction(KickSignal, &action, null) != 0)
            {
                throw KvmException.FromErrno($"sigaction({KickSignal})");
            }

            s_installed = true;
        }
    }
}
