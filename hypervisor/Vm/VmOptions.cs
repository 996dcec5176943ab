using Rig.Hypervisor.Boot;

namespace Rig.Hypervisor.Vm;

/// <summary>Which interrupt controllers the guest gets: ours in C# (the reference), or KVM's in-kernel ones (for comparison).</summary>
public enum IrqchipMode
{
    User,
    Kernel,
}

/// <summary>Everything a <see cref="VirtualMachine"/> is built from; Program fills it from the command line, tests directly.</summary>
public sealed record VmOptions
{
    public const ulong MaxMemory = 3UL << 30;

    public required PvhElfImage Image { get; init; }

    public int Vcpus { get; init; } = 1;

    public ulong MemoryBytes { get; init; } = 64UL << 20;

    public string CommandLine { get; init; } = "";

    public IrqchipMode Irqchip { get; init; } = IrqchipMode.User;

    public MachineType Machine { get; init; } = MachineType.Pc;

    public IReadOnlyList<string> Defects { get; init; } = [];

    /// <summary>Wall-clock limit after which the watchdog stops the VM; null = none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// When a controller (QMP) is attached, a guest shutdown or panic leaves the VM stopped for inspection until
    /// quit, as QEMU with -no-shutdown; without one the process exits.
    /// </summary>
    public bool StayAfterGuestStop { get; init; }

    /// <summary>
    /// QEMU's -S: every vCPU parks before its first entry until a cont. Set at construction, not at Start, because the
    /// controller may send cont as soon as it is attached, before the vCPU threads exist.
    /// </summary>
    public bool StartPaused { get; init; }

    public Action<byte> Com1 { get; init; } = _ => { };

    /// <summary>Told the name of each stage of the start as it is reached (rig-hv --trace-start); the BSP's first KVM_RUN comes from its thread.</summary>
    public Action<string> StartStage { get; init; } = _ => { };

    public Action<byte> Com2 { get; init; } = _ => { };

    public Action<string> Log { get; init; } = message => Console.Error.WriteLine($"rig-hv: {message}");

    /// <summary>Records for the rig's oracles (`RIG kind key=value…` lines, e.g. <see cref="HostLateRecord"/>), on stderr beside the log.</summary>
    public Action<string> HostRecords { get; init; } = line => Console.Error.WriteLine(line);
}
