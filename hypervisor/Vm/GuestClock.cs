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
/// only live here, and the Xen pvclock built on this view then warps between vCPUs.
/// </summary>
public sealed class GuestClock : IGuestClock, IGuestTscSource
{
    private const uint Ia32Tsc = 0x10;
    private readonly long[] _offsets;
    private readonly DefectSet _defects;

    public GuestClock(int vcpus, ulong tscKhz, DefectSet defects)
    {
        _offsets = new long[vcpus];
        _defects = defects;
        TscHz = tscKhz * 1000;
    }

    public long NowNs => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    public ulong TscHz { get; }

    public ulong GuestTsc(int vcpu) =>
        TscOffsetSkew.Apply(_defects, vcpu, (ulong)((long)HostTsc.Read() + Volatile.Read(ref _offsets[vcpu])), TscHz);

    /// <summary>
    /// Re-measures the offset of <paramref name="vcpu"/>, which must not be in KVM_RUN. KVM reads the guest TSC at some
    /// moment inside the bracket of two host reads, so the offset is taken against the bracket's end: the VMM's view of
    /// a guest TSC must never be ahead of what the guest reads, or a pvclock record stamped with it has
    /// tsc_timestamp above the guest's TSC and the guest's unsigned (tsc - tsc_timestamp) wraps to a jump of centuries
    /// (calibration-race found that on the clean reference with the midpoint). The tightest of several brackets wins.
    /// </summary>
    public void Calibrate(KvmVcpu vcpu)
    {
        ulong bestBracket = ulong.MaxValue;
        long offset = 0;
        for (int attempt = 0; attempt < 8; attempt++)
        {
            ulong before = HostTsc.Read();
            ulong guest = vcpu.GetMsrs([Ia32Tsc])[0];
            ulong after = HostTsc.Read();
            if (after - before < bestBracket)
            {
                bestBracket = after - before;
                offset = (long)guest - (long)after;
            }
        }

        Volatile.Write(ref _offsets[vcpu.Id], offset);
    }
}
