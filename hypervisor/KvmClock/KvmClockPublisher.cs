using System.Buffers.Binary;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.KvmClock;

/// <summary>
/// kvmclock as rig-hv publishes it, instead of passing the host KVM's records through. Every vCPU's
/// pvclock_vcpu_time_info (Linux arch/x86/include/asm/pvclock-abi.h; the layout of Xen's vcpu_time_info, so
/// <see cref="VcpuTimeInfo"/> and <see cref="VersionedRecord"/> serve both) is written from one master pair, as KVM's
/// master clock does (arch/x86/kvm/x86.c, pvclock_update_vm_gtod_copy): at one reference TSC reading, each vCPU's
/// tsc_timestamp is that vCPU's TSC and every system_time is the same nanosecond. While the vCPUs' TSCs are matched, a
/// reading on any vCPU is then the same function of the moment, so PVCLOCK_TSC_STABLE_BIT holds by construction.
/// The system time is the Xen clock's (vCPU 0's line of <see cref="XenClock"/>): kvmclock is retaken at every
/// calibration and revert recompute, and shares that computation's faults, seed 000's unsigned delta among them.
/// A pause changes nothing: the TSC and the system time both run on through it.
/// </summary>
public sealed class KvmClockPublisher
{
    private const int WallClockSize = 12;
    private const int WallClockSecondsOffset = 4;
    private const int WallClockNanosecondsOffset = 8;

    private readonly IGuestTscSource _tsc;
    private readonly XenClock _clock;
    private readonly IXenGuestMemory _memory;
    private readonly TimeRecordWriter _records;
    private readonly ulong[] _systemTimeMsrs;
    private readonly Lock _sync = new();
    private ulong _wallClockMsr;
    private bool _bootVcpuUsesLegacyMsr;
    private MasterPair _master;

    public KvmClockPublisher(IGuestTscSource tsc, XenClock clock, IXenGuestMemory memory, TimeRecordWriter records)
    {
        _tsc = tsc;
        _clock = clock;
        _memory = memory;
        _records = records;
        _systemTimeMsrs = new ulong[clock.VcpuCount];
        _master = TakeMaster();
        clock.Restamped += OnRestamped;
    }

    /// <summary>
    /// PVCLOCK_TSC_STABLE_BIT as KVM decides it (use_master_clock): the vCPUs' TSCs are matched, and the boot vCPU does
    /// not use the original MSR 0x12, whose guests predate the bit.
    /// </summary>
    public bool Stable
    {
        get
        {
            lock (_sync)
            {
                return _tsc.TscsMatched && !_bootVcpuUsesLegacyMsr;
            }
        }
    }

    /// <summary>The record <paramref name="vcpu"/> is given now, whether or not it enabled one.</summary>
    public VcpuTimeInfo Record(int vcpu)
    {
        lock (_sync)
        {
            return RecordFor(vcpu);
        }
    }

    /// <summary>RDMSR of a kvmclock MSR: the last value written, as KVM returns it.</summary>
    public ulong ReadMsr(int vcpu, uint msr)
    {
        lock (_sync)
        {
            return msr is KvmClockMsr.WallClock or KvmClockMsr.WallClockNew ? _wallClockMsr : _systemTimeMsrs[vcpu];
        }
    }

    /// <summary>
    /// WRMSR of a kvmclock MSR (msr.rst): a wall-clock MSR gets the boot wall time written at its address at once; a
    /// system-time MSR with bit 0 set has this vCPU's record kept at its address from now on, clear stops updates. Like
    /// KVM, the write itself never faults; a record outside guest RAM is simply not written.
    /// </summary>
    public void WriteMsr(int vcpu, uint msr, ulong value)
    {
        lock (_sync)
        {
            switch (msr)
            {
                case KvmClockMsr.WallClock or KvmClockMsr.WallClockNew:
                    _wallClockMsr = value;
                    WriteWallClock(value);
                    break;
                default:
                    _systemTimeMsrs[vcpu] = value;
                    if (vcpu == 0)
                    {
                        // KVM's boot_vcpu_runs_old_kvmclock; a change of the stable bit reaches every record.
                        _bootVcpuUsesLegacyMsr = msr == KvmClockMsr.SystemTime;
                        PublishAll();
                    }
                    else
                    {
                        Publish(vcpu);
                    }

                    break;
            }
        }
    }

    /// <summary>At RESET: the MSRs read 0 again (kvmclock off) until the new boot enables it.</summary>
    public void Reset()
    {
        lock (_sync)
        {
            Array.Clear(_systemTimeMsrs);
            _wallClockMsr = 0;
            _bootVcpuUsesLegacyMsr = false;
        }
    }

    public KvmClockState SaveState()
    {
        lock (_sync)
        {
            return new KvmClockState([.. _systemTimeMsrs], _wallClockMsr, _bootVcpuUsesLegacyMsr);
        }
    }

    /// <summary>
    /// At a revert, before the Xen clock's recompute: the MSRs as the snapshot had them. The recompute's
    /// <see cref="XenClock.Restamped"/> then rewrites the records the restored RAM holds from a new master pair.
    /// </summary>
    public void Restore(KvmClockState state)
    {
        lock (_sync)
        {
            for (int vcpu = 0; vcpu < _systemTimeMsrs.Length; vcpu++)
            {
                _systemTimeMsrs[vcpu] = vcpu < state.SystemTimeMsrs.Count ? state.SystemTimeMsrs[vcpu] : 0;
            }

            _wallClockMsr = state.WallClockMsr;
            _bootVcpuUsesLegacyMsr = state.BootVcpuUsesLegacyMsr;
        }
    }

    /// <summary>Under the Xen clock's lock, after its stamps moved: a new master pair, every enabled record rewritten.</summary>
    private void OnRestamped()
    {
        var master = TakeMaster();
        lock (_sync)
        {
            _master = master;
            PublishAll();
        }
    }

    /// <summary>One reference TSC reading and the system time vCPU 0's Xen stamp gives its TSC at that moment.</summary>
    private MasterPair TakeMaster()
    {
        ulong reference = _tsc.ReferenceTsc();
        return new MasterPair(reference, _clock.GetSTimeFixed(0, _tsc.GuestTscAt(0, reference)));
    }

    private VcpuTimeInfo RecordFor(int vcpu) => new(
        _tsc.GuestTscAt(vcpu, _master.ReferenceTsc),
        (ulong)_master.SystemTime,
        _clock.Scale,
        _tsc.TscsMatched && !_bootVcpuUsesLegacyMsr ? VcpuTimeInfo.TscStableFlag : (byte)0);

    private void PublishAll()
    {
        for (int vcpu = 0; vcpu < _systemTimeMsrs.Length; vcpu++)
        {
            Publish(vcpu);
        }
    }

    private void Publish(int vcpu)
    {
        ulong msr = _systemTimeMsrs[vcpu];
        if ((msr & KvmClockMsr.Enable) == 0)
        {
            return;
        }

        Span<byte> area = _memory.Physical(msr & ~KvmClockMsr.Enable, VcpuTimeInfo.Size);
        if (area.Length == VcpuTimeInfo.Size)
        {
            _records.Publish(area, RecordFor(vcpu));
        }
    }

    /// <summary>struct pvclock_wall_clock { u32 version; u32 sec; u32 nsec; }: the wall time at system time 0.</summary>
    private void WriteWallClock(ulong gpa)
    {
        Span<byte> area = _memory.Physical(gpa, WallClockSize);
        if (area.Length != WallClockSize)
        {
            return;
        }

        long boot = _clock.BootRealtimeNanoseconds;
        Span<byte> version = area[..sizeof(uint)];
        VersionedRecord.BeginUpdate(version);
        BinaryPrimitives.WriteUInt32LittleEndian(area[WallClockSecondsOffset..], (uint)(boot / 1_000_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(area[WallClockNanosecondsOffset..], (uint)(boot % 1_000_000_000));
        VersionedRecord.EndUpdate(version);
    }

    /// <summary>KVM's master_cycle_now and master_kernel_ns: one reference TSC reading and the system time at it.</summary>
    private readonly record struct MasterPair(ulong ReferenceTsc, long SystemTime);
}
