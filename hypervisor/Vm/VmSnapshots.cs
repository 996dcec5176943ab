using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.KvmClock;
using Rig.Hypervisor.Qmp;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// In-memory snapshots of the whole machine (x-rig-snapshot-save/-revert): RAM, every vCPU's registers, events, MSRs
/// and LAPIC, the kvmclock base, both paravirtual clocks and every platform device's own state. Both operations run with
/// every vCPU parked (<see cref="VcpuParking"/>), so what is saved or put back is one instant of the machine.
/// </summary>
internal sealed class VmSnapshots(
    GuestMemory memory, KvmVm kvm, IReadOnlyList<Vcpu> vcpus, VcpuMsrs msrs, bool userIrqchip,
    GuestClock clock, XenGuestInterface xen, KvmClockPublisher? kvmClock, PlatformDevices platform)
{
    private readonly Dictionary<string, VmSnapshot> _saved = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_saved)
            {
                return [.. _saved.Keys];
            }
        }
    }

    public void Save(string name)
    {
        if (memory.Size > int.MaxValue)
        {
            throw new VmControlException("GenericError", "in-memory snapshots hold at most 2 GiB of guest RAM");
        }

        var cpus = vcpus.Select(v => new VcpuSnapshot(
            v.Kvm.GetRegs(), v.Kvm.GetSregs(), v.Kvm.GetXsave(), v.Kvm.GetEvents(),
            v.Kvm.GetMsrs(msrs.SnapshotIndices), v.Activity, v.Lapic?.Save(),
            userIrqchip ? null : v.Kvm.GetLapic(), userIrqchip ? 0 : v.Kvm.GetMpState())).ToArray();
        var snapshot = new VmSnapshot(CopyOfRam(name), cpus, kvm.GetClock(), xen.SaveState(), platform.Save()) { KvmClock = kvmClock?.SaveState() };
        lock (_saved)
        {
            _saved[name] = snapshot;
        }
    }

    /// <summary>
    /// All of RAM, copied into the buffer of the snapshot this save replaces where there is one: every vCPU is parked while
    /// this runs, and a fresh 64 MiB array (zeroed, page-faulted in, then copied) held a loaded host's guests 1.5–3.4 s per
    /// save here (time.density, 4 VMs × 4 vCPUs, load average 50–70), against 15–313 ms for a copy into pages already in.
    /// </summary>
    private byte[] CopyOfRam(string name)
    {
        // Out of the list first: a save that fails after this leaves no snapshot of that name rather than a torn one.
        VmSnapshot? replaced;
        lock (_saved)
        {
            _saved.Remove(name, out replaced);
        }

        if (replaced is null || (ulong)replaced.Memory.Length != memory.Size)
        {
            return memory.ToArray();
        }

        memory.Slice(0, replaced.Memory.Length).CopyTo(replaced.Memory);
        return replaced.Memory;
    }

    /// <summary>
    /// Puts snapshot <paramref name="name"/> back. The Xen clock latches every vCPU's TSC first and recomputes its records
    /// from that latch last, as Xen's hvm_load_cpu_ctxt does; <paramref name="calibrateDuring"/> runs a calibration in
    /// between (seed 000's race, forced).
    /// </summary>
    public void Revert(string name, bool calibrateDuring)
    {
        VmSnapshot? snapshot;
        lock (_saved)
        {
            _saved.TryGetValue(name, out snapshot);
        }

        if (snapshot is null)
        {
            throw new VmControlException("GenericError", $"no snapshot '{name}'; have: {string.Join(", ", Names)}");
        }

        ulong[] syncTsc = xen.Clock.LatchTsc();
        if (calibrateDuring)
        {
            // A calibration between the TSC latch and the recompute moves every stamp past the latched TSC, so the
            // recompute must scale a negative delta.
            xen.Calibration.CalibrateNow();
        }

        memory.Load(snapshot.Memory);
        kvm.SetClock(snapshot.KvmClockNs);
        for (int i = 0; i < vcpus.Count; i++)
        {
            var (v, s) = (vcpus[i], snapshot.Vcpus[i]);
            v.Kvm.SetSregs(s.Sregs);
            v.Kvm.SetRegs(s.Regs);
            v.Kvm.SetXsave(s.Xsave);
            v.Kvm.SetEvents(s.Events);
            v.Kvm.SetMsrs(msrs.SnapshotIndices, s.Msrs);
            v.Activity = s.Activity;
            if (s.Lapic is { } lapic)
            {
                v.Lapic?.Restore(lapic);
            }

            if (s.KernelLapic is { } kernelLapic)
            {
                v.Kvm.SetLapic(kernelLapic);
                v.Kvm.SetMpState(s.KernelMpState);
            }

            clock.Calibrate(v.Kvm);
        }

        clock.MatchOffsets();
        if (snapshot.KvmClock is { } kvmClockState)
        {
            kvmClock?.Restore(kvmClockState);
        }

        platform.Restore(snapshot.Platform);
        xen.RestoreState(snapshot.Xen, syncTsc);
    }
}
