using Rig.Hypervisor.Defects;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// Xen-style system time for one VM, modelled on xen/arch/x86/time.c with a constant TSC: each vCPU keeps a
/// calibration stamp (Xen keeps one per pCPU; in rig-hv every vCPU has its own thread, the nearest analogue), a
/// periodic rendezvous re-stamps every vCPU at its current TSC with get_s_time_fixed() as
/// time_calibration_rendezvous_tail() does, and every stamp change is published to the guest as vcpu_time_info.
/// System time 0 is the moment the clock was created.
/// </summary>
public sealed class XenClock
{
    /// <summary>Far below the ~100 ns a cache line takes between cores, the finest order a guest can observe.</summary>
    private const long PairingBracketNs = 50;

    private readonly IGuestTscSource _tsc;
    private readonly IHostClock _host;
    private readonly DefectSet _defects;
    private readonly Action<int, VcpuTimeInfo> _publish;
    private readonly CpuTimeStamp[] _stamps;
    private readonly ulong[] _originTscs;
    private readonly long _bootMonotonic;
    private readonly byte _flags;
    private readonly Lock _sync = new();
    private long _calibrations;

    /// <param name="publish">
    /// Receives every new vcpu_time_info, under the clock's lock so records reach the guest in stamp order.
    /// </param>
    /// <param name="tscStable">
    /// Sets XEN_PVCLOCK_TSC_STABLE_BIT: Xen sets it when its clocksource is the TSC, promising that time read on one
    /// vCPU never exceeds time read later on another. It holds here when all guest TSCs come from one invariant host
    /// TSC, because every vCPU's stamp pairs that vCPU's own TSC with the same system time.
    /// </param>
    public XenClock(
        IGuestTscSource tsc, IHostClock host, int vcpuCount, DefectSet defects, bool tscStable,
        Action<int, VcpuTimeInfo> publish)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vcpuCount, 1);
        _tsc = tsc;
        _host = host;
        _defects = defects;
        _publish = publish;
        _flags = tscStable ? VcpuTimeInfo.TscStableFlag : (byte)0;
        Scale = TimeScale.FromFrequency(tsc.TscHz);
        _bootMonotonic = host.MonotonicNanoseconds;
        BootRealtimeNanoseconds = host.RealtimeNanoseconds;

        // Each vCPU pairs its TSC with the platform time, as Xen's init_percpu_time() does. Stamping them all at system
        // time 0 put vCPU 1 ~320 us off vCPU 0 (a first read is slow: JIT), a warp time.pvclock-monotonic found on the
        // clean reference; so the platform time is the midpoint of a bracket around the TSC read, retried until tight.
        _stamps = new CpuTimeStamp[vcpuCount];
        for (int vcpu = 0; vcpu < vcpuCount; vcpu++)
        {
            _stamps[vcpu] = PairedStamp(vcpu);
        }

        _originTscs = [.. _stamps.Select(stamp => stamp.LocalTsc)];
    }

    /// <summary>The tick-to-nanosecond scale, fixed because the TSC is constant (as Xen with CONSTANT_TSC).</summary>
    public TimeScale Scale { get; }

    public int VcpuCount => _stamps.Length;

    /// <summary>Host wall time at system time 0: what shared_info's wallclock holds.</summary>
    public long BootRealtimeNanoseconds { get; }

    public long CalibrationCount => Interlocked.Read(ref _calibrations);

    /// <summary>
    /// Raised under the clock's lock after every vCPU took a new stamp (a calibration, a revert's recompute), so other
    /// clocks that follow this system time (kvmclock) republish in the same order; handlers may call back into the clock.
    /// </summary>
    public event Action? Restamped;

    public CpuTimeStamp Stamp(int vcpu)
    {
        lock (_sync)
        {
            return _stamps[vcpu];
        }
    }

    /// <summary>
    /// Xen's get_s_time_fixed(at_tsc) on <paramref name="vcpu"/>'s stamp. A TSC older than the stamp (a revert, or a TSC
    /// latched before a rendezvous moved the stamp) yields a time before the stamp, as Jan Beulich's fix
    /// "x86/time: deal with negative deltas in get_s_time_fixed()" (xen-devel, 2026-01-06) does: scale the magnitude,
    /// then subtract. With the unsigned-scale-delta defect the delta is scaled as the unsigned number it wraps to.
    /// </summary>
    public long GetSTimeFixed(int vcpu, ulong atTsc)
    {
        lock (_sync)
        {
            return STimeAt(vcpu, _stamps[vcpu], atTsc);
        }
    }

    /// <summary>System time on <paramref name="vcpu"/> now (Xen's get_s_time(), which reads the TSC itself).</summary>
    public long GetSTime(int vcpu) => GetSTimeFixed(vcpu, _tsc.GuestTsc(vcpu));

    /// <summary>The record the guest would be given for <paramref name="vcpu"/> now.</summary>
    public VcpuTimeInfo TimeInfo(int vcpu)
    {
        lock (_sync)
        {
            return TimeInfoFor(_stamps[vcpu]);
        }
    }

    /// <summary>
    /// The calibration rendezvous (Xen's time_calibration_std_rendezvous + rendezvous_tail + local_time_calibration
    /// with CONSTANT_TSC): the platform timer is read once, every vCPU takes a new stamp at its current TSC whose system
    /// time continues its old line, and the new records are published.
    /// </summary>
    public void Calibrate()
    {
        lock (_sync)
        {
            long masterStime = MasterStime();
            for (int vcpu = 0; vcpu < _stamps.Length; vcpu++)
            {
                RestampFrom(vcpu, _stamps[vcpu], masterStime);
            }

            Restamped?.Invoke();
        }

        Interlocked.Increment(ref _calibrations);
    }

    /// <summary>
    /// Every vCPU's TSC now: the VMM core latches it when a snapshot revert begins, before it restores RAM and vCPU
    /// state, as Xen's hvm_load latches d->arch.hvm.sync_tsc at the start of a restore.
    /// </summary>
    public ulong[] LatchTsc() => Enumerable.Range(0, _stamps.Length).Select(_tsc.GuestTsc).ToArray();

    /// <summary>
    /// At the end of a snapshot revert, with the vCPUs stopped and their state restored: Xen's hvm_load_cpu_ctxt feeds
    /// the latched <paramref name="syncTsc"/> to get_s_time_fixed(). A calibration that ran since the latch has moved
    /// the stamp past it, so that delta is negative (seed 000's race); and where the VMM can rewind the guest TSC
    /// (KVM with TSC offsetting) the TSC now is older still. Both are scaled through the signed path: the result is the
    /// guest's time at the latch, then at its TSC now, which after a rewind is the time it had at the snapshot. The
    /// unsigned-scale-delta defect turns either negative delta into a jump of centuries.
    /// </summary>
    public void RecomputeAfterRevert(IReadOnlyList<ulong> syncTsc)
    {
        if (syncTsc.Count != _stamps.Length)
        {
            throw new ArgumentException($"one latched TSC per vCPU: expected {_stamps.Length}, got {syncTsc.Count}", nameof(syncTsc));
        }

        lock (_sync)
        {
            long masterStime = MasterStime();
            for (int vcpu = 0; vcpu < _stamps.Length; vcpu++)
            {
                var atSync = new CpuTimeStamp(syncTsc[vcpu], STimeAt(vcpu, _stamps[vcpu], syncTsc[vcpu]), masterStime);
                RestampFrom(vcpu, atSync, masterStime);
            }

            Restamped?.Invoke();
        }
    }

    /// <summary>Publishes <paramref name="vcpu"/>'s current record again (Xen's force_update_vcpu_system_time).</summary>
    public void Republish(int vcpu)
    {
        lock (_sync)
        {
            _publish(vcpu, TimeInfoFor(_stamps[vcpu]));
        }
    }

    /// <summary>
    /// <paramref name="vcpu"/>'s TSC and the platform time at the same moment: the time is the midpoint of two reads
    /// around the TSC read, taken again until they are within <see cref="PairingBracketNs"/> (or the tries run out).
    /// </summary>
    private CpuTimeStamp PairedStamp(int vcpu)
    {
        CpuTimeStamp best = default;
        long bestBracket = long.MaxValue;
        for (int attempt = 0; attempt < 16 && bestBracket > PairingBracketNs; attempt++)
        {
            long before = MasterStime();
            ulong localTsc = _tsc.GuestTsc(vcpu);
            long after = MasterStime();
            if (after - before < bestBracket)
            {
                bestBracket = after - before;
                long now = before + (bestBracket / 2);
                best = new CpuTimeStamp(localTsc, now, now);
            }
        }

        return best;
    }

    /// <summary>The platform timer (host CLOCK_MONOTONIC) as system time; Xen's read_platform_stime().</summary>
    private long MasterStime() => _host.MonotonicNanoseconds - _bootMonotonic;

    /// <summary>A new stamp at <paramref name="vcpu"/>'s TSC now, continuing the line through <paramref name="pivot"/>, published.</summary>
    private void RestampFrom(int vcpu, CpuTimeStamp pivot, long masterStime)
    {
        ulong now = _tsc.GuestTsc(vcpu);
        _stamps[vcpu] = new CpuTimeStamp(now, STimeAt(vcpu, pivot, now), masterStime);
        _publish(vcpu, TimeInfoFor(_stamps[vcpu]));
    }

    /// <summary>
    /// The time at <paramref name="atTsc"/> on the line through <paramref name="stamp"/>. With a constant TSC every stamp of
    /// a vCPU lies on one line, so the distance between two TSCs is scaled from that line's origin, each end in one
    /// truncation: a stamp scaled from the stamp before it lost up to ~2 ns per calibration (a tick to the shift, a ns to
    /// the product), so each record drew the line a little lower, and a reader that copied a record and was descheduled
    /// across N calibrations before it read the TSC stepped back up to 2N ns on its next reading (calibration-race on the
    /// clean reference: kvmclock 34 ns back on vCPU 1 at ~600 forced calibrations a second). Every record now reads within
    /// 2 ns below its vCPU's line at any TSC, whatever the number of calibrations. The unsigned-scale-delta defect scales a
    /// negative delta from the stamp itself as the 64-bit number it wraps to, as Xen's get_s_time_fixed did before
    /// "x86/time: deal with negative deltas in get_s_time_fixed()".
    /// </summary>
    private long STimeAt(int vcpu, CpuTimeStamp stamp, ulong atTsc)
    {
        if (atTsc < stamp.LocalTsc && _defects.IsOn(DefectCatalog.UnsignedScaleDelta))
        {
            return stamp.LocalStime + (long)Scale.ScaleDelta(atTsc - stamp.LocalTsc);
        }

        return stamp.LocalStime + (SinceOrigin(vcpu, atTsc) - SinceOrigin(vcpu, stamp.LocalTsc));
    }

    /// <summary>Nanoseconds from <paramref name="vcpu"/>'s first stamp to <paramref name="tsc"/>, negative before it.</summary>
    private long SinceOrigin(int vcpu, ulong tsc)
    {
        ulong origin = _originTscs[vcpu];
        return tsc >= origin ? (long)Scale.ScaleDelta(tsc - origin) : -(long)Scale.ScaleDelta(origin - tsc);
    }

    private VcpuTimeInfo TimeInfoFor(CpuTimeStamp stamp) =>
        new(stamp.LocalTsc, (ulong)stamp.LocalStime, Scale, _flags);
}
