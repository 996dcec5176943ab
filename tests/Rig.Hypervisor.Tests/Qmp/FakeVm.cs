using Rig.Hypervisor.Qmp;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>
/// An <see cref="IVendorVmControl"/> without KVM: records what the server asked, raises the events QEMU would, and can hold a
/// command open (<see cref="HoldStop"/>) so a test can hang up while it runs.
/// </summary>
internal sealed class FakeVm : IVendorVmControl
{
    private readonly List<string> _calls = [];
    private readonly List<string> _snapshots = [];
    private readonly HashSet<string> _defects = [];

    public byte[] Memory { get; } = Enumerable.Range(0, 0x2000).Select(i => (byte)(i * 7)).ToArray();

    /// <summary>While not null, Stop waits for this before finishing.</summary>
    public SemaphoreSlim? HoldStop { get; set; }

    /// <summary>Runs inside Quit, as the VM's owner would wake up and shut the server down.</summary>
    public Action? OnQuit { get; set; }

    /// <summary>Set once Stop has been entered, so a test knows the command is in flight.</summary>
    public SemaphoreSlim StopEntered { get; } = new(0);

    public VmRunState State { get; private set; } = VmRunState.Running;

    public event Action<VmEvent>? Event;

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public void Stop()
    {
        Record("stop");
        StopEntered.Release();
        HoldStop?.Wait(TimeSpan.FromSeconds(30));
        State = VmRunState.Paused;
        Raise("STOP");
    }

    public void Cont()
    {
        Record("cont");
        State = VmRunState.Running;
        Raise("RESUME");
    }

    public void SystemReset()
    {
        Record("system_reset");
        Raise("RESET", ("guest", false), ("reason", "host-qmp-system-reset"));
    }

    public void InjectNmi() => Record("nmi");

    public void InjectMce(int cpu, int bank, ulong status, ulong mcgStatus, ulong addr, ulong misc)
    {
        if (bank >= 10)
        {
            throw new VmControlException("GenericError", "Invalid MCE bank number");
        }

        Record($"mce {cpu} {bank} 0x{status:x} 0x{mcgStatus:x} 0x{addr:x} 0x{misc:x}");
    }

    public long CalibrateClock()
    {
        Record("calibrate");
        return Calls.Count(c => c == "calibrate");
    }

    public void SetCalibrationPeriod(TimeSpan period)
    {
        if (period < TimeSpan.FromMilliseconds(1))
        {
            throw new VmControlException("GenericError", "the calibration period must be at least 1 ms");
        }

        Record($"calibration-period {period.TotalMicroseconds}");
    }

    public void HoldTimeRecordUpdates(TimeSpan hold) => Record($"record-hold {hold.TotalMicroseconds}");

    public void ReadMemory(ulong gpa, Span<byte> destination)
    {
        if (gpa > (ulong)Memory.Length || (ulong)destination.Length > (ulong)Memory.Length - gpa)
        {
            throw new VmControlException("GenericError", $"0x{gpa:x}+0x{destination.Length:x} is not guest RAM");
        }

        Memory.AsSpan((int)gpa, destination.Length).CopyTo(destination);
    }

    public void SaveSnapshot(string name)
    {
        Record($"save {name}");
        _snapshots.Add(name);
    }

    public void RevertSnapshot(string name, bool calibrateDuring)
    {
        if (!_snapshots.Contains(name))
        {
            throw new VmControlException("GenericError", $"no snapshot '{name}'");
        }

        Record(calibrateDuring ? $"revert {name} calibrate-during" : $"revert {name}");
    }

    public IReadOnlyList<string> Snapshots => _snapshots;

    public IReadOnlyCollection<string> EnabledDefects => _defects;

    public Rig.Hypervisor.Xen.XenEventChannels? EventChannels => null;

    public Rig.Hypervisor.Irq.IoApic? IoApic { get; set; }

    public Rig.Hypervisor.Coverage.HandlerCoverage Coverage { get; } = new();

    public IReadOnlyList<VcpuThread> VcpuThreads { get; } = [new(0, 4242)];

    public void EnableDefect(string name) => _defects.Add(name);

    public void Quit()
    {
        Record("quit");
        State = VmRunState.Shutdown;
        Raise("SHUTDOWN", ("guest", false), ("reason", "host-qmp-quit"));
        OnQuit?.Invoke();
    }

    public void Raise(string name, params (string Key, object? Value)[] data) =>
        Event?.Invoke(new VmEvent(name, data.ToDictionary(d => d.Key, d => d.Value)));

    private void Record(string call)
    {
        lock (_calls)
        {
            _calls.Add(call);
        }
    }
}
