using System.Collections.Concurrent;
using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Coverage;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Devices;
using Rig.Hypervisor.Irq;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.KvmClock;
using Rig.Hypervisor.Qmp;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// A VM over KVM: guest RAM, vCPUs on their own threads, the PC devices, and the control operations QMP asks for.
/// VM-wide operations (stop, reset, snapshot) first park every vCPU outside KVM_RUN at the top of its loop, then act on
/// the quiescent state from the controlling thread. Guest-initiated ones (0xCF9, triple fault) are handed to a control
/// thread, because a vCPU cannot wait for itself to park.
/// </summary>
public sealed class VirtualMachine : IVendorVmControl, IDisposable
{
    private const uint TssAddress = 0xFEFF_D000;
    private const int MceBanks = 10;
    private const ulong McgCtlPresent = 1 << 8;
    private const ulong McgSerPresent = 1 << 24;
    // KVM_MSR_EXIT_REASON_FILTER | _UNKNOWN | _INVAL. KVM ignores filters over the x2APIC range 0x800-0x8FF
    // (Documentation/virt/kvm/api.rst, KVM_X86_SET_MSR_FILTER), and without an in-kernel LAPIC it refuses
    // those MSRs itself, so they reach our LAPIC only as "invalid" MSR exits. Measured on kvm_pvm: with FILTER
    // alone, and with FILTER|UNKNOWN, a guest's x2APIC RDMSR took #GP.
    private const ulong MsrExitReasons = 4 | 2 | 1;
    private const uint Ia32ApicBase = 0x1B;
    private const uint Ia32TscDeadline = 0x6E0;
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(5);

    private readonly VmOptions _options;
    private readonly KvmSystem _kvm;
    private readonly KvmVm _vm;
    private readonly GuestMemory _memory;
    private readonly Vcpu[] _vcpus;
    private readonly VcpuMsrs _msrs;
    private readonly DefectSet _defects = new();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Set once Finish's winner has rung every vCPU: Dispose must not unmap their run pages before (a watchdog or QMP
    // quit that won Finish on its own thread was measured writing immediate_exit into an unmapped page).
    private readonly ManualResetEventSlim _finished = new();
    private readonly BlockingCollection<Action> _guestRequests = [];
    private readonly Lock _controlLock = new();

    // Started by the first guest-initiated request (most VMs make none): a thread start before the first KVM_RUN is a
    // wait for the new thread to be scheduled, and NativeAOT's Thread.Start spins in sched_yield until it is.
    private readonly Lock _controlThreadLock = new();
    private Thread? _controlThread;

    // Opened at the first park or at the end (Vcpu's ParkedRegisters): not needed before the guest runs, and opening
    // it (an orphan sweep of /dev/shm, a file created and mapped) was ~0.4 ms of the start's CPU.
    private readonly Lazy<HostCpuFrames> _frames = new(HostCpuFrames.OpenShared);
    private readonly Watchdog? _watchdog;
    private readonly UserInterruptControllers? _interruptControllers;
    private readonly VmSnapshots _snapshots;
    private volatile VmRunState _state = VmRunState.Paused;

    public VirtualMachine(VmOptions options)
    {
        _options = options;
        Parking = new VcpuParking(RingAll);
        if (options.StartPaused)
        {
            Parking.PauseBeforeStart();
        }
        if (options.Vcpus is < 1 or > 255)
        {
            throw new ArgumentException($"--vcpus {options.Vcpus}: must be 1..255 (xAPIC IDs)");
        }

        if (options.MemoryBytes < (2UL << 20) || options.MemoryBytes > VmOptions.MaxMemory)
        {
            throw new ArgumentException($"--memory {options.MemoryBytes} bytes: must be 2M..{VmOptions.MaxMemory >> 20}M (RAM stays below the APIC windows)");
        }

        foreach (string defect in options.Defects)
        {
            _defects.Enable(defect);
        }

        _kvm = new KvmSystem();
        foreach (var cap in new[] { KvmCap.UserMemory, KvmCap.ExtCpuid, KvmCap.VcpuEvents, KvmCap.UserNmi, KvmCap.Mce,
                     KvmCap.AdjustClock, KvmCap.GetTscKhz, KvmCap.ImmediateExit, KvmCap.Xsave, KvmCap.TscDeadlineTimer })
        {
            _kvm.Require(cap);
        }

        _vm = _kvm.CreateVm();
        _vm.SetTssAddress(TssAddress);
        UserIrqchip = options.Irqchip == IrqchipMode.User;
        if (!UserIrqchip)
        {
            _vm.CreateIrqchip();
        }

        options.StartStage("kvm-vm-created");
        _memory = new GuestMemory(options.MemoryBytes);
        _vm.SetMemory(0, 0, _memory);
        options.StartStage("memory-mapped");

        var supportedCpuid = _kvm.GetSupportedCpuid();
        ProcessorSignature = CpuidTable.ProcessorSignature(supportedCpuid);
        ulong mcgCap = (_kvm.GetSupportedMceCap() & (McgCtlPresent | McgSerPresent)) | MceBanks;
        _vcpus = new Vcpu[options.Vcpus];
        for (int i = 0; i < _vcpus.Length; i++)
        {
            var kvmVcpu = _vm.CreateVcpu(i);
            kvmVcpu.SetupMce(mcgCap);
            _vcpus[i] = new Vcpu(this, kvmVcpu);
        }

        options.StartStage("vcpus-created");

        _msrs = VcpuMsrs.Probe(_vcpus[0].Kvm, MceBanks);
        Clock = new GuestClock(_vcpus.Length, _vcpus[0].Kvm.GetTscKhz(), _defects);

        // The clocks below stamp guest TSCs from the start, so the offsets must be known before them: stamps taken
        // with offset 0 put the first calibration's pvclock line ~500 ns off the boot line (a warp on the clean reference).
        foreach (var vcpu in _vcpus)
        {
            Clock.Calibrate(vcpu.Kvm);
        }

        Clock.MatchOffsets();

        // The Xen HVM interface (Xen/): its CPUID leaves sit at 0x40000100 beside KVM's at 0x40000000, as Xen places
        // them when another hypervisor's leaves come first, so a guest that does not look for Xen never sees it.
        Xen = new XenGuestInterface(Clock, new KvmXenGuestMemory(_memory, PagingOf), HostClock.Instance, _vcpus.Length,
            _defects, tscStable: true, CalibrationTimer.DefaultPeriod);
        foreach (var vcpu in _vcpus)
        {
            var cpuid = CpuidTable.ForVcpu(supportedCpuid, vcpu.Id, _defects.IsOn(DefectCatalog.LapicCpuidOnBspOnly));
            if (UserIrqchip)
            {
                KvmClockCpuid.Advertise(cpuid);
            }

            vcpu.Kvm.SetCpuid(options.Machine == MachineType.XenPvh
                ? XenPvhPlatform.Cpuid(cpuid, Xen, vcpu.Id)
                : [.. cpuid, .. Xen.CpuidEntries(vcpu.Id)]);
        }

        Ports = new PortBus(options.Log);
        Mmio = new MmioBus(options.Log);
        Com1 = new Uart16550(0x3F8, options.Com1);
        Com2 = new Uart16550(0x2F8, options.Com2);
        Cmos = new CmosRtc();
        if (options.Machine == MachineType.Pc)
        {
            Ports.Add(Com1);
            Ports.Add(Com2);
            Ports.Add(Cmos);
            Ports.Add(new DebugExitDevice(code => Finish(code)));
            Ports.Add(new ResetControl(reason => RequestReset(reason, guest: true)));
        }

        _vm.EnableCap(KvmCap.X86UserSpaceMsr, MsrExitReasons);
        if (UserIrqchip)
        {
            // Our LAPIC owns IA32_APIC_BASE, the TSC deadline and the x2APIC MSR range, the Xen interface its
            // hypercall-page MSR, and our kvmclock its MSRs (the host KVM's records warp across vCPUs on some hosts):
            // KVM hands them to user space.
            _vm.DenyMsrsToKernel([(Ia32ApicBase, 1), (Ia32TscDeadline, 1), (0x800, 0x100), (XenCpuid.HypercallPageMsr, 1),
                .. KvmClockMsr.FilterRanges]);
            KvmClock = new KvmClockPublisher(Clock, Xen.Clock, new KvmXenGuestMemory(_memory, PagingOf), Xen.TimeRecords);
            _interruptControllers = new UserInterruptControllers(_vcpus, Clock, _defects, Ports, Mmio, pcChipset: options.Machine == MachineType.Pc);
        }
        else
        {
            _vm.DenyMsrsToKernel([(XenCpuid.HypercallPageMsr, 1)]);
        }

        // Xen event channels (Xen/XenEventChannels, suites/evtchn): a vCPU's own upcall vector is a fixed, edge vector
        // through our LAPIC; the callback vector is offered by the vCPU itself while its upcall flag is set (Vcpu
        // InjectInterrupt); with --irqchip kernel there is no upcall.
        EventChannels = new XenEventChannels(Xen, new KvmXenGuestMemory(_memory, PagingOf), _vcpus.Length, _defects,
            (vcpu, vector) => _interruptControllers?.Bus.Send(new ApicMessage(DeliveryMode.Fixed, vector, false, false, (uint)vcpu, 0xFF)),
            vcpu => _vcpus[vcpu].Ring());
        Xen.Hypercalls.Register(XenHypercallNumber.SchedOp, new SchedOpHypercall(new KvmXenGuestMemory(_memory, PagingOf), OnXenShutdown).Handle);
        PvConsole = options.Machine == MachineType.XenPvh
            ? new PvConsoleBackend(new KvmXenGuestMemory(_memory, PagingOf), EventChannels, Xen.Params, XenPvhPlatform.ConsolePage(_memory.Size), options.Com1, options.Com2)
            : null;
        _snapshots = new VmSnapshots(_memory, _vm, _vcpus, _msrs, UserIrqchip, Clock, Xen, KvmClock,
            new PlatformDevices(Cmos, Com1, Com2, _interruptControllers));
        MachineReset = new MachineReset(options, _memory, _vcpus, _msrs, Clock, KvmClock, _interruptControllers, EventChannels, PvConsole, ProcessorSignature);
        MachineReset.Run();
        options.StartStage("image-loaded");
        if (options.Timeout is { } timeout)
        {
            _watchdog = new Watchdog(timeout, OnWatchdog);
        }
    }

    public PortBus Ports { get; }

    public MmioBus Mmio { get; }

    public Uart16550 Com1 { get; }

    public Uart16550 Com2 { get; }

    public CmosRtc Cmos { get; }

    public GuestClock Clock { get; }

    /// <summary>The Xen HVM interface: CPUID leaves, hypercall page, shared_info and the Xen pvclock.</summary>
    public XenGuestInterface Xen { get; }

    /// <summary>rig-hv's own kvmclock, on the Xen clock's system time; null with --irqchip kernel, which keeps KVM's.</summary>
    public KvmClockPublisher? KvmClock { get; }

    public DefectSet Defects => _defects;

    public XenEventChannels EventChannels { get; }

    IoApic? IVendorVmControl.IoApic => _interruptControllers is { PcChipset: true } chipset ? chipset.IoApic : null;

    XenEventChannels? IVendorVmControl.EventChannels => EventChannels;

    /// <summary>The xen-pvh machine's PV console (the guest's only channel there); null on a PC.</summary>
    public PvConsoleBackend? PvConsole { get; }

    /// <summary>The VMM's log (stderr unless the options say otherwise).</summary>
    internal Action<string> Log => _options.Log;

    /// <summary>Where records for the rig's oracles go (<see cref="VmOptions.HostRecords"/>).</summary>
    internal Action<string> HostRecords => _options.HostRecords;

    /// <summary>Where the start's stages are reported (<see cref="VmOptions.StartStage"/>).</summary>
    internal Action<string> StartStage => _options.StartStage;

    public IReadOnlyList<Vcpu> Vcpus => _vcpus;

    /// <summary>Bytes of guest RAM, from guest-physical 0.</summary>
    internal ulong RamSize => _memory.Size;

    /// <summary>Which handlers guest inputs reached (<c>x-rig-coverage</c>, the feedback of <c>rig fuzz</c>).</summary>
    public HandlerCoverage Coverage { get; } = new();

    public bool UserIrqchip { get; }

    /// <summary>The IOAPIC, 8259s, 8254 and APIC bus; null with --irqchip kernel.</summary>
    public UserInterruptControllers? InterruptControllers => _interruptControllers;

    internal uint ProcessorSignature { get; }

    internal VcpuParking Parking { get; }

    internal MachineReset MachineReset { get; }

    /// <summary>Per-host-CPU register frames shared with the other VMs of this controller (parked vCPUs leave their registers there).</summary>
    internal Lazy<HostCpuFrames> Frames => _frames;

    public IReadOnlyList<VcpuThread> VcpuThreads => [.. _vcpus.Select(v => new VcpuThread(v.Id, v.ThreadId))];

    public VmRunState State => _state;

    public event Action<VmEvent>? Event;

    /// <summary>
    /// Starts the vCPU threads; the BSP runs from the PVH entry, APs wait for INIT-SIPI-SIPI. With
    /// <see cref="VmOptions.StartPaused"/> every vCPU parks before its first entry until <see cref="Cont"/>, which may
    /// already have come.
    /// </summary>
    public void Start()
    {
        if (!_options.StartPaused)
        {
            _state = VmRunState.Running;
        }

        Parking.Started(_vcpus.Length);
        foreach (var vcpu in _vcpus)
        {
            vcpu.Start();
        }

        // Timers after the vCPUs: the first System.Threading.Timer armed starts .NET's timer thread.
        _watchdog?.Start();
        Xen.Calibration.Start();
    }

    /// <summary>Blocks until the VM ends; returns the process exit status (see <see cref="ExitCodes"/>).</summary>
    public int WaitForExit() => _exit.Task.GetAwaiter().GetResult();

    /// <summary>Like <see cref="WaitForExit()"/>, or null if it has not ended within <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout) => _exit.Task.Wait(timeout) ? _exit.Task.Result : null;

    public void Stop() => Control(() =>
    {
        if (Parking.SetPaused(true))
        {
            Parking.WaitUntilParked();
            _state = VmRunState.Paused;
            Raise("STOP");
        }
    });

    public void Cont() => Control(() =>
    {
        if (_state is VmRunState.Shutdown or VmRunState.GuestPanicked or VmRunState.InternalError)
        {
            throw new VmControlException("GenericError", $"the VM is in state {_state}; reset it first");
        }

        if (Parking.SetPaused(false))
        {
            _state = VmRunState.Running;
            Raise("RESUME");
        }
    });

    public void SystemReset() => Control(() => Parking.WithAllParked(() => Reset("host-qmp-system-reset", guest: false)));

    public void InjectNmi()
    {
        foreach (var vcpu in _vcpus)
        {
            vcpu.Post(_ => vcpu.NmiMce.InjectNmi());
        }
    }

    public void InjectMce(int cpu, int bank, ulong status, ulong mcgStatus, ulong addr, ulong misc)
    {
        if ((uint)cpu >= (uint)_vcpus.Length)
        {
            throw new VmControlException("GenericError", $"no vCPU {cpu}; this VM has {_vcpus.Length}");
        }

        if ((uint)bank >= MceBanks)
        {
            throw new VmControlException("GenericError", $"no MCE bank {bank}; this VM has {MceBanks}");
        }

        _vcpus[cpu].Post(_ =>
        {
            try
            {
                _vcpus[cpu].NmiMce.InjectMce(bank, status, mcgStatus, addr, misc);
            }
            catch (KvmException e)
            {
                _options.Log($"mce on vCPU {cpu} refused: {e.Message}");
            }
        });
    }

    public void ReadMemory(ulong gpa, Span<byte> destination)
    {
        if (!_memory.Contains(gpa, (ulong)destination.Length))
        {
            throw new VmControlException("GenericError", $"0x{gpa:x}+0x{destination.Length:x} is not guest RAM (RAM ends at 0x{_memory.Size:x})");
        }

        _memory.Slice(gpa, destination.Length).CopyTo(destination);
    }

    public void SaveSnapshot(string name) => Control(() => Parking.WithAllParked(() => _snapshots.Save(name)));

    public void RevertSnapshot(string name, bool calibrateDuring) => Control(() => Parking.WithAllParked(() =>
    {
        Parking.NoteStateChange();
        _snapshots.Revert(name, calibrateDuring);
    }));

    public IReadOnlyList<string> Snapshots => _snapshots.Names;

    public IReadOnlyCollection<string> EnabledDefects => _defects.Enabled;

    public long CalibrateClock()
    {
        Xen.Calibration.CalibrateNow();
        return Xen.Clock.CalibrationCount;
    }

    public void SetCalibrationPeriod(TimeSpan period)
    {
        try
        {
            Xen.Calibration.SetPeriod(period);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new VmControlException("GenericError", e.Message);
        }
    }

    public void HoldTimeRecordUpdates(TimeSpan hold)
    {
        try
        {
            Xen.TimeRecords.UpdateHold = hold;
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new VmControlException("GenericError", e.Message);
        }
    }

    public void EnableDefect(string name) => Control(() =>
    {
        try
        {
            _defects.Enable(name);
        }
        catch (ArgumentException e)
        {
            throw new VmControlException("GenericError", e.Message);
        }
    });

    public void Quit()
    {
        Raise("SHUTDOWN", ("guest", false), ("reason", "host-qmp-quit"));
        Finish(ExitCodes.Quit);
    }

    /// <summary>A vCPU asks for a machine reset (0xCF9, 8042, KVM system event). The vCPU stops at once; the reset runs on the control thread.</summary>
    internal void RequestReset(string reason, bool guest)
    {
        Parking.Request();
        _guestRequests.Add(() =>
        {
            try
            {
                Control(() =>
                {
                    Parking.WaitUntilParked();
                    Reset(reason, guest);
                });
            }
            finally
            {
                Parking.Release();
            }
        });
        lock (_controlThreadLock)
        {
            if (_controlThread is null)
            {
                _controlThread = new Thread(ControlThreadMain) { IsBackground = true, Name = "vm-control" };
                _controlThread.Start();
            }
        }
    }

    internal void GuestShutdown(Vcpu vcpu, string reason)
    {
        _options.Log($"vCPU {vcpu.Id}: guest shutdown: {reason}");
        _state = VmRunState.Shutdown;
        Raise("SHUTDOWN", ("guest", true), ("reason", reason));
        EndOrPause(ExitCodes.GuestShutdown);
    }

    /// <summary>An exit the VMM cannot handle: report GUEST_PANICKED with the evidence and stop, never spin or hang.</summary>
    internal void Panic(Vcpu vcpu, string reason)
    {
        string where = "";
        try
        {
            var regs = vcpu.Kvm.GetRegs();
            var sregs = vcpu.Kvm.GetSregs();
            where = $" at RIP 0x{regs.Rip:x} CS 0x{sregs.Cs.Selector:x} CR0 0x{sregs.Cr0:x}";
        }
        catch (KvmException)
        {
            // The registers are only evidence; the panic is reported without them.
        }

        _options.Log($"vCPU {vcpu.Id}: {reason}{where}");
        _state = VmRunState.GuestPanicked;
        Raise("GUEST_PANICKED", ("action", "pause"),
            ("info", new Dictionary<string, object?> { ["type"] = "rig-hv", ["cpu"] = vcpu.Id, ["reason"] = reason + where }));
        EndOrPause(ExitCodes.InternalError);
    }

    /// <summary>A vCPU's paging registers for the Xen interface's guest page walk; called on that vCPU's thread in an exit.</summary>
    private GuestPageWalk.PagingState PagingOf(int vcpu)
    {
        var sregs = _vcpus[vcpu].Kvm.GetSregs();
        return new GuestPageWalk.PagingState(sregs.Cr0, sregs.Cr3, sregs.Cr4, sregs.Efer);
    }

    /// <summary>SCHEDOP_shutdown: a reason that carries a probe status ends the VM as isa-debug-exit would; any other is a guest shutdown.</summary>
    private void OnXenShutdown(int vcpu, uint reason)
    {
        if (SchedOpHypercall.ProbeStatus(reason) is int status)
        {
            Finish((status << 1) | 1);
        }
        else
        {
            GuestShutdown(_vcpus[vcpu], $"xen-shutdown-reason-{reason}");
        }
    }

    private void EndOrPause(int exitCode)
    {
        if (_options.StayAfterGuestStop)
        {
            Parking.SetPaused(true);
        }
        else
        {
            Finish(exitCode);
        }
    }

    /// <summary>RESET of the whole machine with every vCPU parked (<see cref="Vm.MachineReset"/>), reported as QEMU reports it.</summary>
    private void Reset(string reason, bool guest)
    {
        Parking.NoteStateChange();
        MachineReset.Run();
        if (_state is not VmRunState.Paused)
        {
            _state = VmRunState.Running;
        }

        Raise("RESET", ("guest", guest), ("reason", reason));
    }

    private void Control(Action action)
    {
        if (Parking.Ending)
        {
            throw new VmControlException("GenericError", "the VM is shutting down");
        }

        lock (_controlLock)
        {
            action();
        }
    }

    private void OnWatchdog()
    {
        _options.Log($"watchdog: the VM ran past --timeout {_options.Timeout?.TotalSeconds}s; stopping it");
        Raise("SHUTDOWN", ("guest", false), ("reason", "watchdog"));
        Finish(ExitCodes.Watchdog);
    }

    /// <summary>Ends the VM with <paramref name="exitCode"/>; the first caller wins.</summary>
    private void Finish(int exitCode)
    {
        if (!_exit.TrySetResult(exitCode))
        {
            return;
        }

        _state = VmRunState.Shutdown;
        _guestRequests.CompleteAdding();
        Parking.End();
        _finished.Set();
    }

    private void RingAll()
    {
        foreach (var vcpu in _vcpus)
        {
            vcpu.Ring();
        }
    }

    private void ControlThreadMain()
    {
        foreach (var request in _guestRequests.GetConsumingEnumerable())
        {
            try
            {
                request();
            }
            catch (Exception e) when (e is KvmException or BootImageException or VmControlException)
            {
                _options.Log($"guest-initiated operation failed: {e.Message}");
                Raise("GUEST_PANICKED", ("action", "pause"),
                    ("info", new Dictionary<string, object?> { ["type"] = "rig-hv", ["reason"] = e.Message }));
                EndOrPause(ExitCodes.InternalError);
            }
        }
    }

    private void Raise(string name, params (string Key, object? Value)[] data)
    {
        try
        {
            Event?.Invoke(new VmEvent(name, data.ToDictionary(d => d.Key, d => d.Value)));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            _options.Log($"event {name} not delivered: {e.Message}");
        }
    }

    public void Dispose()
    {
        Finish(ExitCodes.Quit);
        if (!_finished.Wait(JoinTimeout))
        {
            _options.Log($"the VM's end did not complete within {JoinTimeout.TotalSeconds}s; leaving its vCPUs to process exit");
            return;
        }

        _watchdog?.Dispose();
        _interruptControllers?.Dispose();
        Xen.Dispose();
        foreach (var vcpu in _vcpus)
        {
            if (!vcpu.Join(JoinTimeout))
            {
                _options.Log($"vCPU {vcpu.Id} did not stop within {JoinTimeout.TotalSeconds}s; leaving its fd to process exit");
                return;
            }
        }

        Thread? controlThread;
        lock (_controlThreadLock)
        {
            controlThread = _controlThread;
        }

        controlThread?.Join(JoinTimeout);

        foreach (var vcpu in _vcpus)
        {
            vcpu.Dispose();
        }

        _memory.Dispose();
        if (_frames.IsValueCreated)
        {
            _frames.Value.Dispose();
        }

        _vm.Dispose();
        _kvm.Dispose();
        _finished.Dispose();
    }
}
