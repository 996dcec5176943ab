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
    private readonly IGuestTscSource _tsc;
    private readonly IHostClock _host;
    private readonly DefectSet _defects;
    private readonly Action<int, VcpuTimeInfo> _publish;
    private readonly CpuTimeStamp[] _stamps;
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

        // All vCPUs are stamped at system time 0 in one tight loop, so their TSC readings are tens of nanoseconds apart.
        _stamps = new CpuTimeStamp[vcpuCount];
        for (int vcpu = 0; vcpu < vcpuCount; vcpu++)
        {
            _stamps[vcpu] = new CpuTimeStamp(tsc.GuestTsc(vcpu), 0, 0);
        }
    }

    /// <summary>The tick-to-nanosecond scale, fixed because the TSC is constant (as Xen with CONSTANT_TSC).</summary>
    public TimeScale Scale { get; }

    public int VcpuCount => _stamps.Length;

    /// <summary>Host wall time at system time 0: what shared_info's wallclock holds.</summary>
    public long BootRealtimeNanoseconds { get; }

    public long CalibrationCount => Interlocked.Read(ref _calibrations);

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
            return STimeAt(_stamps[vcpu], atTsc);
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
        RestampAll();
        Interlocked.Increment(ref _calibrations);
    }

    /// <summary>
    /// After a snapshot revert has put every vCPU's TSC back (Xen: hvm_load_cpu_ctxt, which latches sync_tsc and
    /// feeds it to get_s_time_fixed()). The guest TSC is now older than the stamps, so the delta is negative: the
    /// correct result is the system time the guest had at the snapshot; the unsigned-scale-delta defect turns it into a
    /// jump of centuries (seed 000). Call with the vCPUs stopped, after their TSCs are restored.
    /// </summary>
    public void RecomputeAfterRevert() => RestampAll();

    /// <summary>Publishes <paramref name="vcpu"/>'s current record again (Xen's force_update_vcpu_system_time).</summary>
    public void Republish(int vcpu)
    {
        lock (_sync)
        {
            _publish(vcpu, TimeInfoFor(_stamps[vcpu]));
        }
    }

    private void RestampAll()
    {
        lock (_sync)
        {
            long masterStime = _host.MonotonicNanoseconds - _bootMonotonic;
            for (int vcpu = 0; vcpu < _stamps.Length; vcpu++)
            {
                ulong tsc = _tsc.GuestTsc(vcpu);
                _stamps[vcpu] = new CpuTimeStamp(tsc, STimeAt(_stamps[vcpu], tsc), masterStime);
                _publish(vcpu, TimeInfoFor(_stamps[vcpu]));
            }
        }
    }

    private long STimeAt(CpuTimeStamp stamp, ulong atTsc)
    {
        if (atTsc >= stamp.LocalTsc || _defects.IsOn(DefectCatalog.UnsignedScaleDelta))
        {
            return stamp.LocalStime + (long)Scale.ScaleDelta(atTsc - stamp.LocalTsc);
        }

        return stamp.LocalStime - (long)Scale.ScaleDelta(stamp.LocalTsc - atTsc);
    }

    private VcpuTimeInfo TimeInfoFor(CpuTimeStamp stamp) =>
        new(stamp.LocalTsc, (ulong)stamp.LocalStime, Scale, _flags);
}
