namespace Rig.Hypervisor.Qmp;

/// <summary>Run states as QMP's query-status names them.</summary>
public enum VmRunState
{
    Running,
    Paused,
    Shutdown,
    InternalError,
    GuestPanicked,
}

/// <summary>A vCPU and the host thread that runs it (QMP query-cpus-fast: cpu-index, thread-id).</summary>
public sealed record VcpuThread(int Index, int ThreadId);

/// <summary>An asynchronous event for QMP clients (QEMU names: STOP, RESUME, RESET, SHUTDOWN, GUEST_PANICKED).</summary>
public sealed record VmEvent(string Name, IReadOnlyDictionary<string, object?> Data);

/// <summary>
/// What the QMP server may ask of a VM. The VM implements it; the server only translates wire commands.
/// Every method is safe to call from any thread and throws <see cref="VmControlException"/> with a QMP error class.
/// </summary>
public interface IVmControl
{
    VmRunState State { get; }

    event Action<VmEvent>? Event;

    void Stop();

    void Cont();

    void SystemReset();

    /// <summary>As QEMU's inject-nmi on x86: an NMI to every vCPU.</summary>
    void InjectNmi();

    /// <summary>As QEMU's HMP <c>mce cpu bank status mcgstatus addr misc</c>.</summary>
    void InjectMce(int cpu, int bank, ulong status, ulong mcgStatus, ulong addr, ulong misc);

    /// <summary>Reads guest-physical memory; throws if any byte of the range is not RAM.</summary>
    void ReadMemory(ulong gpa, Span<byte> destination);

    void SaveSnapshot(string name);

    /// <summary>
    /// Reverts to snapshot <paramref name="name"/>; with <paramref name="calibrateDuring"/> a clock calibration runs
    /// inside the revert, between its TSC latch and its recompute (seed 000's race, forced).
    /// </summary>
    void RevertSnapshot(string name, bool calibrateDuring);

    IReadOnlyList<string> Snapshots { get; }

    IReadOnlyCollection<string> EnabledDefects { get; }

    /// <summary>Every vCPU with its host thread id, so a controller can pin or migrate it (sched_setaffinity).</summary>
    IReadOnlyList<VcpuThread> VcpuThreads { get; }

    /// <summary>Runs the Xen clock's calibration rendezvous now; returns how many have run since boot.</summary>
    long CalibrateClock();

    /// <summary>Sets the period of the Xen clock's calibration timer (Xen: EPOCH, 1 s).</summary>
    void SetCalibrationPeriod(TimeSpan period);

    /// <summary>Holds every time-record update half written for <paramref name="hold"/> (time.torn-record; zero: off).</summary>
    void HoldTimeRecordUpdates(TimeSpan hold);

    void EnableDefect(string name);

    /// <summary>The Xen event channels the host backend drives (x-rig-evtchn-*); null when the VM offers none.</summary>
    Rig.Hypervisor.Xen.XenEventChannels? EventChannels { get; }

    void Quit();
}

public sealed class VmControlException(string errorClass, string message) : Exception(message)
{
    /// <summary>QMP error class: GenericError, CommandNotFound, DeviceNotActive, ...</summary>
    public string ErrorClass { get; } = errorClass;
}
