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
/// What the QMP server may ask of any VM, in QEMU's terms (qapi/*.json). The VM implements it; the server only
/// translates wire commands. Every method is safe to call from any thread and throws <see cref="VmControlException"/>
/// with a QMP error class. What only the reference hypervisor offers is <see cref="IVendorVmControl"/>.
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

    /// <summary>Every vCPU with its host thread id, so a controller can pin or migrate it (sched_setaffinity).</summary>
    IReadOnlyList<VcpuThread> VcpuThreads { get; }

    void Quit();
}

public sealed class VmControlException(string errorClass, string message) : Exception(message)
{
    /// <summary>QMP error class: GenericError, CommandNotFound, DeviceNotActive, ...</summary>
    public string ErrorClass { get; } = errorClass;
}
