using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// Everything an HVM guest of rig-hv finds of Xen, for one VM: CPUID leaves at 0x40000100, the hypercall page MSR,
/// hypercalls through port <see cref="XenHypercallPage.Port"/>, shared_info and the Xen pvclock with its calibration
/// timer. The VMM core calls the methods below from its exits; each says which.
/// </summary>
public sealed class XenGuestInterface : IDisposable
{
    private readonly IXenGuestMemory _memory;
    private readonly IGuestTscSource _tsc;
    private readonly bool _tscStable;
    private readonly SharedInfoPublisher _publisher;
    private readonly byte[] _hypercallPage = XenHypercallPage.Build();

    public XenGuestInterface(
        IGuestTscSource tsc, IXenGuestMemory memory, IHostClock host, int vcpuCount, DefectSet defects, bool tscStable,
        TimeSpan calibrationPeriod)
    {
        _memory = memory;
        _tsc = tsc;
        _tscStable = tscStable;
        TimeRecords = new TimeRecordWriter(defects);
        _publisher = new SharedInfoPublisher(memory, vcpuCount, TimeRecords);
        Clock = new XenClock(tsc, host, vcpuCount, defects, tscStable, _publisher.Publish);
        Calibration = new CalibrationTimer(Clock, calibrationPeriod);
        Hypercalls = new XenHypercallDispatcher();
        Hypercalls.Register(XenHypercallNumber.MemoryOp, new MemoryOpHypercall(memory, _publisher, Clock).Handle);
        Hypercalls.Register(XenHypercallNumber.VcpuOp, new VcpuOpHypercall(memory, _publisher, Clock).Handle);
        Hypercalls.Register(XenHypercallNumber.XenVersion, new XenVersionHypercall(memory).Handle);
    }

    public XenClock Clock { get; }

    /// <summary>Writes every time record the guest reads, Xen's and kvmclock's; the time suite can hold its updates half done.</summary>
    public TimeRecordWriter TimeRecords { get; }

    /// <summary>For QMP's vendor commands: set the calibration period, calibrate now.</summary>
    public CalibrationTimer Calibration { get; }

    /// <summary>What the domain builder hands the guest through HVMOP_get_param (the xen-pvh machine's PV console).</summary>
    public HvmParams Params { get; } = new();

    /// <summary>Where other areas of the Xen interface (event channels) register their hypercalls.</summary>
    public XenHypercallDispatcher Hypercalls { get; }

    public SharedInfoPublisher Publisher => _publisher;

    /// <summary>At vCPU creation: the entries to append to that vCPU's KVM_SET_CPUID2 table, from <paramref name="baseLeaf"/>.</summary>
    public CpuidEntry[] CpuidEntries(int vcpu, uint baseLeaf = XenCpuid.BaseLeaf) =>
        XenCpuid.Entries(vcpu, _tsc.TscHz, Clock.Scale, _tscStable, baseLeaf);

    /// <summary>
    /// On a WRMSR exit for <see cref="XenCpuid.HypercallPageMsr"/>: bits 63:12 name the guest frame, bits 11:0 the
    /// page index, of which there is one. False means the write is refused and the core injects #GP, as Xen does for
    /// an index above 0 or a frame that is not RAM.
    /// </summary>
    public bool WriteHypercallPageMsr(ulong value)
    {
        if ((value & 0xFFF) != 0)
        {
            return false;
        }

        Span<byte> page = _memory.Physical(value & ~0xFFFUL, XenHypercallPage.PageSize);
        if (page.Length != XenHypercallPage.PageSize)
        {
            return false;
        }

        _hypercallPage.CopyTo(page);
        return true;
    }

    /// <summary>
    /// On a KVM_EXIT_IO OUT of 4 bytes to <see cref="XenHypercallPage.Port"/>: <paramref name="number"/> is the data
    /// (the stub's EAX), the arguments are the vCPU's RDI, RSI, RDX, R10, R8. The result goes to RAX before KVM_RUN
    /// resumes, which then completes the OUT and the stub's RET returns it to the caller.
    /// </summary>
    public ulong Hypercall(int vcpu, uint number, HypercallArguments arguments) =>
        Hypercalls.Dispatch(vcpu, number, arguments);

    /// <summary>When a snapshot is saved.</summary>
    public XenGuestState SaveState() => new(
        _publisher.SharedInfoGpa,
        Enumerable.Range(0, Clock.VcpuCount).Select(_publisher.TimeAreaGpa).ToArray());

    /// <summary>
    /// When a snapshot is reverted, with the vCPUs stopped, after guest RAM and every vCPU's state are restored and
    /// before any vCPU runs: puts the placements back and recomputes every vCPU's time from
    /// <paramref name="syncTsc"/>, which the core took with <see cref="XenClock.LatchTsc"/> when the revert began.
    /// </summary>
    public void RestoreState(XenGuestState state, IReadOnlyList<ulong> syncTsc)
    {
        _publisher.Restore(state.SharedInfoGpa, state.TimeAreaGpas);
        Clock.RecomputeAfterRevert(syncTsc);
    }

    public void Dispose() => Calibration.Dispose();
}
