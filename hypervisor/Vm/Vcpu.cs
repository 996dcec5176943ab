using System.Buffers.Binary;
using System.Collections.Concurrent;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Irq;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.KvmClock;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// One vCPU: its KVM fd, its thread running KVM_RUN, and the handling of every exit. Without an in-kernel irqchip the
/// loop is the CPU's interrupt logic: before each entry it takes INIT/SIPI/NMI from the local APIC and injects the
/// highest deliverable interrupt when KVM says the guest can take one (else asks for an interrupt-window exit).
/// </summary>
public sealed class Vcpu : IVcpuDoorbell, IDisposable
{
    /// <summary>KVM_INTERNAL_ERROR_EMULATION (include/uapi/linux/kvm.h).</summary>
    private const uint EmulationFailure = 1;

    private const uint Ia32TscAux = 0xC000_0103;

    private readonly VirtualMachine _vm;
    private readonly VcpuKicker _kicker;
    private readonly ConcurrentQueue<Action<KvmVcpu>> _hostRequests = new();
    private readonly ParkedRegisters _parkedRegisters;
    private Thread? _thread;
    private bool _rung;
    private bool _interruptFlagAtHalt;
    private ulong _cr8GivenToKvm;
    private bool _entered;
    private volatile bool _sleeping;
    private HostWakeWatch? _wakeWatch;

    internal Vcpu(VirtualMachine vm, KvmVcpu kvm)
    {
        _vm = vm;
        Kvm = kvm;
        _kicker = new VcpuKicker(kvm.RunPage);
        _parkedRegisters = new ParkedRegisters(vm.Frames, HostCpuFrames.Token(Environment.ProcessId, kvm.Id));
        NmiMce = new NmiMceDelivery(kvm, vm.Defects, vm.Log, _kicker.Kick);
    }

    public int Id => Kvm.Id;

    public bool IsBootstrapProcessor => Id == 0;

    public KvmVcpu Kvm { get; }

    /// <summary>The host thread id of the vCPU's thread (QMP query-cpus-fast "thread-id"); 0 before it started.</summary>
    public int ThreadId { get; private set; }

    public ILocalApic? Lapic { get; set; }

    /// <summary>Every NMI and #MC the VMM gives this vCPU goes through here (the seeded NMI/MCE defects live there).</summary>
    internal NmiMceDelivery NmiMce { get; }

    /// <summary>Read and written on the vCPU thread, or by the VM while every vCPU is parked.</summary>
    public VcpuActivity Activity { get; set; }

    /// <summary>Makes the vCPU look at its pending events now: out of KVM_RUN, out of HLT or wait-for-SIPI.</summary>
    public void Ring()
    {
        if (Thread.CurrentThread != _thread)
        {
            _kicker.Kick();
        }

        lock (_vm.Parking.Sync)
        {
            _rung = true;
            Monitor.PulseAll(_vm.Parking.Sync);
        }
    }

    /// <summary>True while the vCPU thread waits in <see cref="WaitForEvent"/> (HLT, wait-for-SIPI).</summary>
    public bool Sleeping => _sleeping;

    /// <summary>Kicks the vCPU out of the guest at <paramref name="deadlineNs"/>; a halted vCPU is woken by the timer thread's <see cref="Ring"/>.</summary>
    public void RingAt(long deadlineNs) => _kicker.KickAt(deadlineNs);

    /// <summary>
    /// Runs <paramref name="request"/> on the vCPU thread (vCPU ioctls block while another thread is in KVM_RUN), at an
    /// instruction boundary with no event half-injected (<see cref="RunHostRequests"/>).
    /// </summary>
    public void Post(Action<KvmVcpu> request)
    {
        _hostRequests.Enqueue(request);
        Ring();
    }

    internal void Start()
    {
        _wakeWatch = new HostWakeWatch(Id, _kicker, _vm.Clock, _vm.HostRecords);
        _thread = new Thread(ThreadMain) { IsBackground = true, Name = $"vcpu{Id}" };
        _thread.Start();
    }

    internal bool Join(TimeSpan timeout) => _thread?.Join(timeout) ?? true;

    private void ThreadMain()
    {
        _kicker.BindToCurrentThread();
        ThreadId = LibcGaps.Gettid();
        try
        {
            while (_vm.Parking.ParkIfRequested(Park))
            {
                _parkedRegisters.Return(Kvm, _vm.Parking.StateEpoch);
                RunHostRequests();
                if (_vm.UserIrqchip)
                {
                    _vm.InterruptControllers?.ServeDueTimers();
                    TakeLocalApicEvents();
                }

                if (Activity != VcpuActivity.Running)
                {
                    WaitForEvent();
                    continue;
                }

                if (_vm.UserIrqchip)
                {
                    InjectInterrupt();
                }

                RunOnce();
            }

            _parkedRegisters.Retire(Kvm, takeOwnership: !_vm.Defects.IsOn(DefectCatalog.StaleVcpuStateOnMigrate));
        }
        catch (Exception e)
        {
            _vm.Panic(this, $"VMM fault on vCPU {Id}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _kicker.Retire();
            _vm.Parking.ThreadExited();
        }
    }

    /// <summary>One KVM_RUN and what follows every one: the kick acknowledged, the guest's CR8 taken into our TPR, the exit handled.</summary>
    private void RunOnce()
    {
        if (!_entered)
        {
            _entered = true;
            if (IsBootstrapProcessor)
            {
                _vm.StartStage("first-kvm-run");
            }
        }

        _kicker.FollowCpu();
        _wakeWatch?.Entering();
        bool exited = Kvm.Run();
        _wakeWatch?.Returned();
        _kicker.Acknowledge();
        SyncCr8FromGuest();
        NmiMce.AfterExit();
        if (exited)
        {
            HandleExit();
        }
    }

    /// <summary>
    /// Brings the vCPU to a state user space can save whole before it parks. KVM finishes an exit's instruction (the data
    /// of an IN, the rest of an emulated instruction) only on the next KVM_RUN (Documentation/virt/kvm/api.rst,
    /// KVM_EXIT_IO: "guest state is consistent only after userspace has re-entered the kernel with KVM_RUN"); KVM_RUN with
    /// immediate_exit completes it and runs nothing more. Then no event may be left half-injected (see
    /// <see cref="DeliverQueuedEvents"/>).
    /// </summary>
    private void CompletePendingExit()
    {
        FinishInstruction();
        if (!_vm.Defects.IsOn(DefectCatalog.SoftExceptionLostOnRestore))
        {
            DeliverQueuedEvents();
        }
    }

    /// <summary>Before parking: the exit completed, then the registers left in the host CPU's frame (not when the VM is ending).</summary>
    private void Park()
    {
        CompletePendingExit();
        if (!_vm.Parking.Ending)
        {
            _parkedRegisters.Leave(Kvm, _vm.Parking.StateEpoch);
        }
    }

    private void FinishInstruction()
    {
        Kvm.RunPage.ImmediateExit = true;
        try
        {
            // Completing one element of a REP string I/O can exit again before KVM looks at immediate_exit.
            while (Kvm.Run())
            {
                HandleExit();
            }
        }
        finally
        {
            Kvm.RunPage.ImmediateExit = false;
        }
    }

    /// <summary>
    /// Under kvm_pvm an INT3 at CPL3 exits with RIP already past it and the #BP only queued in KVM (upstream pvm.c
    /// handle_exit_breakpoint: kvm_queue_exception), and KVM_GET_VCPU_EVENTS leaves soft exceptions out: "As long as the
    /// guest RIP isn't advanced, we should expect to encounter the exception again" (x86.c
    /// kvm_vcpu_ioctl_x86_get_vcpu_events), which is false here. A vCPU parked there was saved past the INT3 with no
    /// #BP, and KVM_SET_REGS / KVM_SET_VCPU_EVENTS on a revert dropped the queued one: the guest probes' gate call
    /// returned its operation number as the result, and the time suite's reverts lost their COM2 acknowledgement
    /// (docs/notes/kvm-pvm-hypervisor.md). KVM says ready_for_interrupt_injection only with no exception pending and
    /// no event to re-inject (x86.c kvm_vcpu_ready_for_interrupt_injection: "we must be at an instruction boundary and
    /// with no events half-injected"), so with IF=1 and not ready the vCPU runs on until KVM reports the interrupt
    /// window open, an exit of its own, or HLT. Without our irqchip KVM always says ready (pic_in_kernel), and this
    /// cannot tell.
    /// </summary>
    private void DeliverQueuedEvents()
    {
        var run = Kvm.RunPage;
        while (_vm.UserIrqchip && Activity == VcpuActivity.Running && run.InterruptFlag && !run.ReadyForInterruptInjection)
        {
            run.RequestInterruptWindow = true;
            RunOnce();
            FinishInstruction();
        }
    }

    /// <summary>
    /// The host's requests (QMP inject-nmi, HMP mce), once KVM has delivered any event it half-injected. KVM_X86_SET_MCE
    /// queues #MC with kvm_queue_exception, which replaces an exception queued and not yet delivered "in a hope that
    /// instruction re-execution will regenerate lost exception" (x86.c kvm_multiple_exception), and KVM_SET_VCPU_EVENTS
    /// (the NMI defects) overwrites it. Under kvm_pvm the #BP of an INT3 at CPL3 is queued with RIP already past the INT3
    /// (<see cref="DeliverQueuedEvents"/>), so nothing regenerates it: the guest probes' gate call came back without its
    /// CPL0 handler having run, and nmi-mce.mce-banks, polling COM2 through that gate for the acknowledgement of the very
    /// machine check that replaced it, lost a read and waited past its case's bound (docs/notes/nmi-mce.md).
    /// </summary>
    private void RunHostRequests()
    {
        if (_hostRequests.IsEmpty)
        {
            return;
        }

        DeliverQueuedEvents();
        while (_hostRequests.TryDequeue(out var request))
        {
            request(Kvm);
            if (Activity == VcpuActivity.Halted)
            {
                Activity = VcpuActivity.Running; // an NMI or #MC ends HLT (SDM Vol. 2A HLT)
            }
        }
    }

    private void TakeLocalApicEvents()
    {
        if (Lapic is not { } lapic)
        {
            return;
        }

        if (lapic.TakeInit())
        {
            // INIT (SDM Vol. 3 10.4.2 / 12.4.7.3): the CPU goes to its INIT state; an AP then waits for a SIPI.
            lapic.Init();
            _vm.MachineReset.Init(this);
        }

        if (lapic.TakeSipi(out byte vector) && Activity == VcpuActivity.WaitForSipi)
        {
            Kvm.SetRegs(ArchitecturalState.ResetRegs(_vm.ProcessorSignature) with { Rip = 0 });
            Kvm.SetSregs(ArchitecturalState.AfterStartupIpi(Kvm.GetSregs(), vector));
            Activity = VcpuActivity.Running;
        }

        if (Activity != VcpuActivity.WaitForSipi && lapic.TakeNmi())
        {
            NmiMce.InjectNmi();
            Activity = VcpuActivity.Running;
        }

        if (Activity == VcpuActivity.Halted && _interruptFlagAtHalt && (lapic.HasDeliverableInterrupt || _vm.EventChannels.PendingCallbackVector(Id) != 0))
        {
            Activity = VcpuActivity.Running;
        }
    }

    /// <summary>A MOV to CR8 changed the TPR behind our back; only a change is copied, so TPR bits 3:0 written through MMIO survive.</summary>
    private void SyncCr8FromGuest()
    {
        if (Lapic is { } lapic && Kvm.RunPage.Cr8 != _cr8GivenToKvm)
        {
            lapic.Cr8 = Kvm.RunPage.Cr8;
        }
    }

    private void InjectInterrupt()
    {
        var run = Kvm.RunPage;
        if (Lapic is { } withTpr)
        {
            // KVM without an in-kernel LAPIC loads CR8 from kvm_run at every entry (arch/x86/kvm/x86.c).
            _cr8GivenToKvm = withTpr.Cr8;
            run.Cr8 = _cr8GivenToKvm;
        }

        // Xen's callback vector comes before the LAPIC and is not acknowledged: it is offered at every entry while the
        // guest's evtchn_upcall_pending stays set (hvm_vcpu_has_pending_irq, xen/arch/x86/hvm/irq.c), so the window is
        // asked for again after each injection.
        if (_vm.EventChannels.PendingCallbackVector(Id) is var callback and not 0)
        {
            if (run.ReadyForInterruptInjection)
            {
                Kvm.Interrupt(callback);
            }

            run.RequestInterruptWindow = true;
            return;
        }

        if (Lapic is not { HasDeliverableInterrupt: true } lapic)
        {
            run.RequestInterruptWindow = false;
            return;
        }

        if (run.ReadyForInterruptInjection && lapic.TryAcknowledge(out byte vector))
        {
            Kvm.Interrupt(vector);
            run.RequestInterruptWindow = lapic.HasDeliverableInterrupt;
        }
        else
        {
            run.RequestInterruptWindow = true;
        }
    }

    private void WaitForEvent()
    {
        _sleeping = true;
        _vm.InterruptControllers?.VcpuSleeps(this);
        try
        {
            lock (_vm.Parking.Sync)
            {
                while (!_rung && !_vm.Parking.Requested)
                {
                    Monitor.Wait(_vm.Parking.Sync);
                }

                _rung = false;
            }
        }
        finally
        {
            _sleeping = false;
        }
    }

    private void HandleExit()
    {
        var run = Kvm.RunPage;
        switch (run.ExitReason)
        {
            case KvmExitReason.Io:
                HandlePortIo(run);
                break;
            case KvmExitReason.Mmio:
                HandleMmio(run);
                break;
            case KvmExitReason.X86Rdmsr when KvmClockMsr.IsKvmClock(run.MsrIndex) && _vm.KvmClock is { } readClock:
                run.MsrError = SetMsrData(run, readClock.ReadMsr(Id, run.MsrIndex));
                break;
            case KvmExitReason.X86Wrmsr when KvmClockMsr.IsKvmClock(run.MsrIndex) && _vm.KvmClock is { } writeClock:
                writeClock.WriteMsr(Id, run.MsrIndex, run.MsrData);
                run.MsrError = 0;
                break;
            case KvmExitReason.X86Rdmsr when run.MsrIndex == Ia32TscAux && _vm.Defects.IsOn(DefectCatalog.RdtscpLeaksTscAux):
                run.MsrError = SetMsrData(run, (ulong)Thread.GetCurrentProcessorId()); // the host CPU, as a host TSC_AUX holds it
                break;
            case KvmExitReason.X86Rdmsr:
                run.MsrError = Lapic is { } l && l.TryReadMsr(run.MsrIndex, out ulong value) ? SetMsrData(run, value) : (byte)1;
                break;
            case KvmExitReason.X86Wrmsr when run.MsrIndex == XenCpuid.HypercallPageMsr:
                run.MsrError = _vm.Xen.WriteHypercallPageMsr(run.MsrData) ? (byte)0 : (byte)1;
                break;
            case KvmExitReason.X86Wrmsr:
                run.MsrError = Lapic is { } w && w.TryWriteMsr(run.MsrIndex, run.MsrData) ? (byte)0 : (byte)1;
                break;
            case KvmExitReason.Hlt:
                Lapic?.OnHalt();
                _interruptFlagAtHalt = run.InterruptFlag;
                Activity = VcpuActivity.Halted;
                break;
            case KvmExitReason.IrqWindowOpen:
            case KvmExitReason.Intr:
                break;
            case KvmExitReason.Shutdown:
                _vm.GuestShutdown(this, "triple-fault");
                break;
            case KvmExitReason.SystemEvent when run.SystemEventType == 2:
                _vm.RequestReset("guest-reset (KVM system event)", guest: true);
                break;
            case KvmExitReason.SystemEvent when run.SystemEventType == 1:
                _vm.GuestShutdown(this, "guest-shutdown (KVM system event)");
                break;
            case KvmExitReason.InternalError when run.InternalSuberror == EmulationFailure && FetchOutsideRam() is { } fetch:
                _vm.GuestShutdown(this, $"guest error: instruction fetch at 0x{fetch:x}, outside RAM (KVM emulation failure)");
                break;
            case KvmExitReason.InternalError when run.InternalSuberror == EmulationFailure && RealModeFetch() is { } realMode:
                _vm.GuestShutdown(this, $"guest error: real-mode code at 0x{realMode.At:x} ({realMode.Bytes}) that KVM cannot emulate: " +
                                        "a vCPU runs real mode here only after the guest's own INIT and SIPI");
                break;
            case KvmExitReason.InternalError:
                _vm.Panic(this, $"KVM internal error, suberror {run.InternalSuberror}" +
                                (run.InternalSuberror == 1 ? " (emulation failure)" : ""));
                break;
            case KvmExitReason.FailEntry:
                _vm.Panic(this, $"KVM entry failed, hardware reason 0x{run.FailEntryReason:x}");
                break;
            default:
                _vm.Panic(this, $"unhandled KVM exit {run.ExitReason} ({(uint)run.ExitReason})");
                break;
        }

        if (run.ExitReason is KvmExitReason.X86Rdmsr or KvmExitReason.X86Wrmsr)
        {
            CoverMsr(run);
        }
    }

    /// <summary>The fuzzer's coverage of an MSR exit: the index when a handler took it, one site for every refused one.</summary>
    private void CoverMsr(KvmRunPage run) =>
        _vm.Coverage.Hit(run.ExitReason == KvmExitReason.X86Rdmsr ? "msr-read" : "msr-write",
            run.MsrError == 0 ? "handled" : "refused", run.MsrError == 0 ? run.MsrIndex : 0);

    /// <summary>
    /// Where the guest was fetching its next instruction, when that is outside RAM with paging off (physical = CS base +
    /// RIP): KVM cannot emulate a fetch from unbacked space and stops with an emulation failure. That is the guest's error
    /// (a real PC fetches open-bus all-ones there), not the VMM's: rig fuzz, seed 8416259369615328911 weights
    /// 0x4ffffff44b555 on 2 vCPUs, sent INIT to the BSP, which restarted at the reset vector 0xfffffff0 (CS base 0xffff0000,
    /// RIP 0xfff0), where a PVH machine has no firmware, and rig-hv reported its own internal error (GUEST_PANICKED). Null when paging is on or RIP is in RAM.
    /// </summary>
    private ulong? FetchOutsideRam()
    {
        var sregs = Kvm.GetSregs();
        if ((sregs.Cr0 & ArchitecturalState.Cr0Paging) != 0)
        {
            return null;
        }

        ulong fetch = (sregs.Cs.Base + Kvm.GetRegs().Rip) & uint.MaxValue;
        return fetch >= _vm.RamSize ? fetch : null;
    }

    /// <summary>
    /// Where, and on which bytes, a vCPU in real mode (CR0.PE clear) stopped KVM's emulator. Without unrestricted guest
    /// (kvm_pvm has no VMX at all) KVM emulates every real-mode instruction, and an opcode its emulator lacks ends in an
    /// emulation failure. A PVH machine runs real mode only where the guest put a vCPU there by INIT and SIPI, so it is
    /// the guest's code: rig fuzz (seed 1762895811204329931, weights 0x4ffffff68cad7, 2 vCPUs) cleared the BSP flag of
    /// IA32_APIC_BASE, sent INIT and a SIPI of vector 0, and vCPU 0 ran zeroed memory from 0 to 0x202e; rig-hv stopped in
    /// GUEST_PANICKED (a crash by rig fuzz's oracle) for what a real CPU would have executed. Null in protected mode.
    /// </summary>
    private (ulong At, string Bytes)? RealModeFetch()
    {
        var sregs = Kvm.GetSregs();
        if ((sregs.Cr0 & ArchitecturalState.Cr0ProtectionEnable) != 0)
        {
            return null;
        }

        ulong at = sregs.Cs.Base + (Kvm.GetRegs().Rip & ushort.MaxValue);
        Span<byte> bytes = stackalloc byte[8];
        var available = (int)Math.Min((ulong)bytes.Length, at < _vm.RamSize ? _vm.RamSize - at : 0);
        if (available > 0)
        {
            _vm.ReadMemory(at, bytes[..available]);
        }

        return (at, available > 0 ? Convert.ToHexString(bytes[..available]) : "outside RAM");
    }

    private static byte SetMsrData(KvmRunPage run, ulong value)
    {
        run.MsrData = value;
        return 0;
    }

    private void HandlePortIo(KvmRunPage run)
    {
        var data = run.IoData;
        if (run.IoIsOut && run.IoPort == XenHypercallPage.Port && run.IoSize == 4 && run.IoCount == 1)
        {
            HandleXenHypercall(BinaryPrimitives.ReadUInt32LittleEndian(data));
            return;
        }

        int size = run.IoSize;
        var claimant = _vm.Ports.Claimant(run.IoPort);
        _vm.Coverage.Hit(run.IoIsOut ? "pio-out" : "pio-in", claimant?.GetType().Name ?? "unbacked",
            claimant is null ? (ulong)size : (ulong)run.IoPort << 8 | (uint)size);
        for (int offset = 0; offset < data.Length; offset += size)
        {
            var item = data.Slice(offset, size);
            if (run.IoIsOut)
            {
                _vm.Ports.Write(run.IoPort, size, (uint)ReadLittleEndian(item));
            }
            else
            {
                WriteLittleEndian(item, _vm.Ports.Read(run.IoPort, size));
            }
        }
    }

    /// <summary>The hypercall page's stub did OUT of the hypercall number; arguments and result travel in registers (Xen's x86-64 ABI).</summary>
    private void HandleXenHypercall(uint number)
    {
        var regs = Kvm.GetRegs();
        ulong command = regs.Rdi;
        regs.Rax = _vm.Xen.Hypercall(Id, number, new HypercallArguments(regs.Rdi, regs.Rsi, regs.Rdx, regs.R10, regs.R8));
        Kvm.SetRegs(regs);

        // Coverage: the hypercall, its command (first argument) and its outcome (0, or which negative errno), each capped.
        long result = (long)regs.Rax;
        _vm.Coverage.Hit("hypercall", number < 64 ? "page" : "out-of-page",
            (ulong)Math.Min(number, 64u) << 32 | Math.Min(command, 255UL) << 16 | (result < 0 ? (ulong)Math.Min(-result, 0xFFFF) : 0));
    }

    private void HandleMmio(KvmRunPage run)
    {
        ulong address = run.MmioAddress;
        var data = run.MmioData;
        ulong apicPage = (Lapic?.ApicBaseMsr ?? 0) & ~0xFFFUL;
        bool toLapic = Lapic is { X2ApicMode: false } && (Lapic.ApicBaseMsr & ArchitecturalState.ApicBaseEnable) != 0
                       && address - apicPage < 0x1000;
        CoverMmio(run, address, apicPage, toLapic);
        if (run.MmioIsWrite)
        {
            ulong value = ReadLittleEndian(data);
            if (toLapic)
            {
                Lapic!.WriteMmio(address - apicPage, data.Length, value);
            }
            else
            {
                _vm.Mmio.Write(address, data.Length, value);
            }
        }
        else
        {
            WriteLittleEndian(data, toLapic ? Lapic!.ReadMmio(address - apicPage, data.Length) : _vm.Mmio.Read(address, data.Length));
        }
    }

    /// <summary>The fuzzer's coverage of an MMIO exit: the device (or LAPIC) with the register offset and width, or one site for unbacked space.</summary>
    private void CoverMmio(KvmRunPage run, ulong address, ulong apicPage, bool toLapic)
    {
        string access = run.MmioIsWrite ? "mmio-write" : "mmio-read";
        var size = (ulong)run.MmioData.Length;
        if (toLapic)
        {
            _vm.Coverage.Hit(access, nameof(Lapic), (address - apicPage) << 8 | size);
        }
        else if (_vm.Mmio.Claimant(address) is { } device)
        {
            _vm.Coverage.Hit(access, device.GetType().Name, Math.Min(address - device.Base, 0xFFFFF) << 8 | size);
        }
        else
        {
            _vm.Coverage.Hit(access, "unbacked", size);
        }
    }

    /// <summary>An access of 1 to 8 bytes as x86 stores it: little-endian, zero-extended.</summary>
    private static ulong ReadLittleEndian(ReadOnlySpan<byte> bytes)
    {
        Span<byte> value = stackalloc byte[8];
        value.Clear();
        bytes.CopyTo(value);
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }

    private static void WriteLittleEndian(Span<byte> bytes, ulong value)
    {
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(all, value);
        all[..bytes.Length].CopyTo(bytes);
    }

    public void Dispose()
    {
        NmiMce.Dispose();
        Kvm.Dispose();
    }
}
