using System.Globalization;
using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// Tells the host's lateness in taking a vCPU out of the guest from the VMM's own: around each KVM_RUN it compares when
/// the VMM wanted the vCPU out (a device timer's deadline, <see cref="VcpuKicker.Deadline"/>; a kick from another
/// thread, <see cref="VcpuKicker.KickedAt"/>) with when KVM_RUN returned, and writes the stretches longer than
/// <see cref="HostLateRecord.ReportAfterNs"/> as <see cref="HostLateRecord"/>s. Only what the VMM still wanted at the
/// return counts (a deadline it moved later or dropped was its own choice), and only what it came to want after the
/// entry: an older wish was the entry's to honour (kvm_run.immediate_exit), which is the VMM's part, not the host's.
/// </summary>
internal sealed class HostWakeWatch(int vcpu, VcpuKicker kicker, GuestClock clock, Action<string> write)
{
    private long _enteredNs;

    /// <summary>Call on the vCPU thread just before KVM_RUN.</summary>
    public void Entering() => _enteredNs = clock.NowNs;

    /// <summary>Call on the vCPU thread as KVM_RUN returns, before the kick is acknowledged.</summary>
    public void Returned()
    {
        long asked = Math.Min(SinceEntry(kicker.KickedAt), SinceEntry(kicker.Deadline));
        if (asked == long.MaxValue)
        {
            return;
        }

        long now = clock.NowNs;
        if (now - asked <= HostLateRecord.ReportAfterNs)
        {
            return;
        }

        ulong woke = clock.GuestTsc(vcpu);
        ulong askedTsc = woke - (ulong)((UInt128)(ulong)(now - asked) * clock.TscHz / 1_000_000_000UL);
        write(string.Create(CultureInfo.InvariantCulture,
            $"RIG {HostLateRecord.Kind} {HostLateRecord.Vcpu}={vcpu} {HostLateRecord.AskedTsc}=0x{askedTsc:x} " +
            $"{HostLateRecord.WokeTsc}=0x{woke:x} {HostLateRecord.TscKhz}={clock.TscHz / 1000} " +
            $"{HostLateRecord.TimerCpu}={kicker.DeadlineCpu} {HostLateRecord.Cpu}={LibcGaps.SchedGetcpu()}"));
    }

    private long SinceEntry(long wantedAt) => wantedAt >= _enteredNs ? wantedAt : long.MaxValue;
}
