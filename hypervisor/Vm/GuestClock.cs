using System.Diagnostics;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Irq;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// Time as the VMM's devices see it: host CLOCK_MONOTONIC (Stopwatch on Linux) and each vCPU's TSC, computed as host TSC
/// plus the vCPU's offset. KVM has no TSC scaling here (no KVM_CAP_TSC_CONTROL), so guest and host TSC tick at the same
/// rate and an offset is all that separates them. The offset is measured (KVM_GET_MSRS IA32_TSC bracketed by host RDTSC)
/// whenever the VMM itself moves the guest TSC: at start, reset and snapshot revert. A guest WRMSR to IA32_TSC is
/// handled inside KVM and is not seen here. With the tsc-offset-skew defect one vCPU's TSC is, as the VMM's time code
/// sees it, set a little behind (<see cref="TscOffsetSkew"/>): on kvm_pvm a TSC write has no effect, so the skew can
/// only live here, and the pvclocks built on this view then warp between vCPUs.
/// </summary>
public sealed class GuestClock : IGuestClock, IGuestTscSource
{
    private const uint Ia32Tsc = 0x10;
    private readonly long[] _offsets;
    private readonly TscOffsetMeasurement[] _measurements;
    private readonly DefectSet _defects;
    private volatile bool _matched;

    public GuestClock(int vcpus, ulong tscKhz, DefectSet defects)
    {
        _offsets = new long[vcpus];
        _measurements = new TscOffsetMeasurement[vcpus];
        _defects = defects;
        TscHz = tscKhz * 1000;
    }

    public long NowNs => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    public ulong TscHz { get; }

    public bool TscsMatched => _matched;

    public ulong ReferenceTsc() => HostTsc.Read();

    public ulong GuestTscAt(int vcpu, ulong referenceTsc) =>
        TscOffsetSkew.Apply(_defects, vcpu, (ulong)((long)referenceTsc + Volatile.Read(ref _offsets[vcpu])), TscHz);

    public ulong GuestTsc(int vcpu) => GuestTscAt(vcpu, ReferenceTsc());

    /// <summary>
    /// Re-measures the offset of <paramref name="vcpu"/>, which must not be in KVM_RUN. KVM reads the guest TSC at some
    /// moment inside the bracket of two host reads, so the offset is taken against the bracket's end: the VMM's view of
    /// a guest TSC must never be ahead of what the guest reads, or a pvclock record stamped with it has
    /// tsc_timestamp above the guest's TSC and the guest's unsigned (tsc - tsc_timestamp) wraps to a jump of centuries
    /// (calibration-race found that on the clean reference with the midpoint). The tightest of several brackets wins.
    /// A new measurement whose range still holds the offset in use keeps it: the TSC did not move that the VMM can
    /// tell, and every change of the VMM's view shifts the pvclock lines built on it (measured here: offsets of
    /// −1240…−1320 cycles in brackets of ~6000, so re-measuring alone stepped time by up to ~500 ns).
    /// </summary>
    public void Calibrate(KvmVcpu vcpu)
    {
        var best = new TscOffsetMeasurement(0, ulong.MaxValue);
        for (int attempt = 0; attempt < 8; attempt++)
        {
            ulong before = HostTsc.Read();
            ulong guest = vcpu.GetMsrs([Ia32Tsc])[0];
            ulong after = HostTsc.Read();
            if (after - before < best.Bracket)
            {
                best = new TscOffsetMeasurement((long)guest - (long)after, after - before);
            }
        }

        bool measuredBefore = _measurements[vcpu.Id].Bracket != 0;
        _measurements[vcpu.Id] = best;
        if (!measuredBefore || !best.Holds(Volatile.Read(ref _offsets[vcpu.Id])))
        {
            Volatile.Write(ref _offsets[vcpu.Id], best.Offset);
        }
    }

    /// <summary>
    /// After every vCPU was calibrated at one event (start, reset, revert): vCPUs whose offsets the measurements cannot
    /// tell apart share one (<see cref="TscOffsetMeasurement.Common"/>), so their TSCs read the same at the same moment
    /// in the VMM's view too; otherwise each keeps its own and <see cref="TscsMatched"/> is false. Offsets measured one by one
    /// for one TSC differ by noise within their brackets (here ~6000 cycles wide, 2.4 µs): a kvmclock built on them
    /// as they came would warp across vCPUs while promising it does not.
    /// </summary>
    public void MatchOffsets()
    {
        long? common = TscOffsetMeasurement.Common(_measurements);
        long inUse = Volatile.Read(ref _offsets[0]);
        if (_offsets.All(o => o == inUse) && _measurements.All(m => m.Holds(inUse)))
        {
            // Already one offset that every measurement allows: keep it, the lines built on it stay where they are.
            common = inUse;
        }
        else if (common is long offset)
        {
            for (int vcpu = 0; vcpu < _offsets.Length; vcpu++)
            {
                Volatile.Write(ref _offsets[vcpu], offset);
            }
        }

        _matched = common is not null;
    }
}
