using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Irq;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.KvmClock;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// RESET of the whole machine (power-on, 0xCF9, triple fault with a reboot, QMP system_reset) and INIT of one vCPU:
/// RAM reloaded with the PVH image, every CPU and LAPIC to its RESET state (SDM Vol. 3A 10.1, Table 10-1), the
/// chipset's devices to theirs, the clocks re-stamped. CMOS keeps its contents across a reset, as a PC's battery does.
/// Runs with every vCPU parked.
/// </summary>
internal sealed class MachineReset
{
    private readonly VmOptions _options;
    private readonly GuestMemory _memory;
    private readonly IReadOnlyList<Vcpu> _vcpus;
    private readonly VcpuMsrs _msrs;
    private readonly GuestClock _clock;
    private readonly KvmClockPublisher? _kvmClock;
    private readonly UserInterruptControllers? _chipset;
    private readonly XenEventChannels _eventChannels;
    private readonly PvConsoleBackend? _pvConsole;
    private readonly uint _processorSignature;

    // KVM's own LAPIC state right after creation is its RESET state; a reset puts it back (--irqchip kernel only).
    private readonly byte[][] _kernelLapicResetState;

    public MachineReset(
        VmOptions options, GuestMemory memory, IReadOnlyList<Vcpu> vcpus, VcpuMsrs msrs, GuestClock clock,
        KvmClockPublisher? kvmClock, UserInterruptControllers? chipset, XenEventChannels eventChannels, PvConsoleBackend? pvConsole,
        uint processorSignature)
    {
        (_options, _memory, _vcpus, _msrs, _clock, _kvmClock, _chipset, _eventChannels, _pvConsole, _processorSignature) =
            (options, memory, vcpus, msrs, clock, kvmClock, chipset, eventChannels, pvConsole, processorSignature);
        _kernelLapicResetState = chipset is null ? [.. vcpus.Select(v => v.Kvm.GetLapic())] : [];
    }

    public void Run()
    {
        _memory.Clear();
        var hpet = _chipset is { PcChipset: true } chipset ? (chipset.Hpet.Base, Hpet.Capabilities) : ((ulong, ulong)?)null;
        ulong startInfo = PvhBootLayout.Load(_memory, _options.Image, _options.CommandLine, _vcpus.Count, hpet,
            pcChipset: _options.Machine == MachineType.Pc, reservedTopPages: _pvConsole is null ? 0 : XenPvhPlatform.ReservedTopPages);
        _chipset?.Reset();
        _eventChannels.ResetMachine();
        _pvConsole?.Reset();
        foreach (var vcpu in _vcpus)
        {
            var kvm = vcpu.Kvm;
            var resetSregs = ArchitecturalState.ResetSregs(vcpu.IsBootstrapProcessor);
            kvm.SetFpu(ArchitecturalState.ResetFpu());
            kvm.ClearEvents();
            kvm.SetMsrs(_msrs.ResetIndices, _msrs.ResetValues);
            if (vcpu.IsBootstrapProcessor)
            {
                kvm.SetRegs(ArchitecturalState.PvhEntryRegs(_options.Image.Entry, startInfo));
                kvm.SetSregs(ArchitecturalState.PvhEntrySregs(resetSregs));
            }
            else
            {
                kvm.SetRegs(ArchitecturalState.ResetRegs(_processorSignature));
                kvm.SetSregs(resetSregs);
            }

            kvm.RunPage.RequestInterruptWindow = false;
            vcpu.Lapic?.Reset();
            if (_chipset is null)
            {
                kvm.SetLapic(_kernelLapicResetState[vcpu.Id]);
                kvm.SetMpState(vcpu.IsBootstrapProcessor ? KvmVcpu.MpStateRunnable : KvmVcpu.MpStateUninitialized);
            }

            vcpu.Activity = vcpu.IsBootstrapProcessor || _chipset is null ? VcpuActivity.Running : VcpuActivity.WaitForSipi;
            _clock.Calibrate(kvm);
        }

        _clock.MatchOffsets();
        _kvmClock?.Reset();
    }

    /// <summary>INIT on a running vCPU: INIT state (Table 10-1, x87/SSE and MSRs kept), then the BSP restarts at the reset vector and an AP waits for a SIPI.</summary>
    public void Init(Vcpu vcpu)
    {
        vcpu.Kvm.SetRegs(ArchitecturalState.ResetRegs(_processorSignature));
        vcpu.Kvm.SetSregs(ArchitecturalState.ResetSregs(vcpu.IsBootstrapProcessor) with { ApicBase = vcpu.Kvm.GetSregs().ApicBase });
        vcpu.Kvm.ClearEvents();
        vcpu.Activity = vcpu.IsBootstrapProcessor ? VcpuActivity.Running : VcpuActivity.WaitForSipi;
    }
}
