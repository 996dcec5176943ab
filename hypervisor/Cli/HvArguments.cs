using System.Globalization;
using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Cli;

/// <summary>A command-line mistake; the message names the option.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>rig-hv's command line, parsed by hand: a dozen options do not need a framework.</summary>
public sealed record HvArguments
{
    public const string Help = """
        rig-hv: the Rig reference hypervisor. Boots one PVH ELF image in one KVM VM; one process per VM.

        usage: rig-hv --image PATH [options]

          --image PATH           PVH ELF64 image (Xen ELF note 18 gives its 32-bit entry). Required.
          --vcpus N              vCPUs, 1..255 (default 1). The BSP starts at the PVH entry; APs wait for INIT-SIPI-SIPI.
          --memory SIZE          guest RAM at physical 0, e.g. 64M, 1G, or bytes (default 64M; 2M..3G).
          --append "k=v ..."     command line for the guest (hvm_start_info.cmdline_paddr).
          --com1 SPEC            COM1 (0x3F8): - (stdout, the default), FILE (created/truncated), or unix:PATH
                                 (a listening socket as QEMU -chardev socket,server=on,wait=off; input goes to the UART).
          --com2 SPEC            COM2 (0x2F8), the control channel; same SPEC forms (default: discarded).
          --qmp PATH             serve QMP on a Unix socket at PATH (unix:PATH also accepted). With QMP attached, a guest
                                 shutdown or panic leaves the VM stopped for inspection until 'quit'.
          --defect NAME          switch on a seeded defect (repeatable); --list-defects shows them.
          --irqchip user|kernel  user (default): rig-hv's own LAPIC/IOAPIC/PIC/PIT; kernel: KVM's in-kernel irqchip.
          --machine pc|xen-pvh   pc (default): the PC with COM1/COM2, CMOS, isa-debug-exit, PIC, PIT, IOAPIC, HPET;
                                 xen-pvh: what Xen gives a PVH domU (Xen CPUID at 0x40000000, hypercall page, shared_info,
                                 event channels, a LAPIC, no legacy device): the guest's PV console is the channel, its
                                 output goes to --com1 (lines starting RIG-REQ to --com2), input from either goes to its
                                 in ring, and SCHEDOP_shutdown is the exit (status from the reason, as isa-debug-exit's).
          --timeout SECONDS      watchdog: past this wall-clock time the VM is stopped, SHUTDOWN reason "watchdog".
          -S                     start with the vCPUs stopped until QMP 'cont' (as QEMU's -S): a controller connects
                                 to COM1 before the guest can write to it (needs --qmp).
          --trace-start          write on stderr when each stage of the start was reached (rig-hv: start STAGE NS CPU_NS, NS
                                 on CLOCK_MONOTONIC, CPU_NS the process's CPU time then), at the first COM1 byte: main,
                                 image-read, kvm-vm-created, memory-mapped, vcpus-created, image-loaded, vm-built,
                                 first-kvm-run, first-com1-byte.
          --list-defects         print the seeded defects and exit.
          --help                 this text.

        exit status:
          (v << 1) | 1   the guest wrote v to isa-debug-exit (port 0xF4), as QEMU; always odd
          0              QMP quit
          2              bad command line or boot image
          122            the guest shut down (triple fault) with no QMP attached
          124            the --timeout watchdog stopped the VM
          126            unhandled exit (KVM internal/emulation error, failed entry) or a VMM fault: GUEST_PANICKED
        """;

    public string? Image { get; init; }

    public int Vcpus { get; init; } = 1;

    public ulong MemoryBytes { get; init; } = 64UL << 20;

    public string CommandLine { get; init; } = "";

    public string Com1 { get; init; } = "-";

    public string? Com2 { get; init; }

    public string? Qmp { get; init; }

    public IReadOnlyList<string> Defects { get; init; } = [];

    public IrqchipMode Irqchip { get; init; } = IrqchipMode.User;

    public MachineType Machine { get; init; } = MachineType.Pc;

    public TimeSpan? Timeout { get; init; }

    public bool ShowHelp { get; init; }

    public bool ListDefects { get; init; }

    public bool TraceStart { get; init; }

    public bool StartPaused { get; init; }

    public static HvArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new HvArguments();
        var defects = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{option} needs a value");
            parsed = option switch
            {
                "--help" or "-h" => parsed with { ShowHelp = true },
                "--list-defects" => parsed with { ListDefects = true },
                "--trace-start" => parsed with { TraceStart = true },
                "-S" => parsed with { StartPaused = true },
                "--image" => parsed with { Image = Value() },
                "--vcpus" => parsed with { Vcpus = ParseInt(option, Value()) },
                "--memory" => parsed with { MemoryBytes = ParseSize(Value()) },
                "--append" => parsed with { CommandLine = Value() },
                "--com1" => parsed with { Com1 = Value() },
                "--com2" => parsed with { Com2 = Value() },
                "--qmp" => parsed with { Qmp = StripUnix(Value()) },
                "--defect" => parsed with { Defects = [.. defects.Append(Value())] },
                "--irqchip" => parsed with { Irqchip = ParseIrqchip(Value()) },
                "--machine" => parsed with { Machine = ParseMachine(Value()) },
                "--timeout" => parsed with { Timeout = ParseTimeout(Value()) },
                _ => throw new UsageException($"unknown option '{option}' (see --help)"),
            };
            defects = [.. parsed.Defects];
        }

        if (parsed.StartPaused && parsed.Qmp is null)
        {
            throw new UsageException("-S needs --qmp: nothing else can start the VM");
        }

        if (parsed.Machine == MachineType.XenPvh && parsed.Irqchip == IrqchipMode.Kernel)
        {
            // KVM's in-kernel irqchip brings the PIC and IOAPIC a PVH domU does not have.
            throw new UsageException("--machine xen-pvh needs --irqchip user");
        }

        return parsed.Image is null && !parsed.ShowHelp && !parsed.ListDefects
            ? throw new UsageException("--image is required (see --help)")
            : parsed;
    }

    private static string StripUnix(string value) => value.StartsWith("unix:", StringComparison.Ordinal) ? value[5..] : value;

    private static int ParseInt(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new UsageException($"{option} '{value}' is not a number");

    /// <summary>A size with an optional K/M/G suffix (powers of 1024), as QEMU's -m.</summary>
    public static ulong ParseSize(string value)
    {
        ulong scale = char.ToUpperInvariant(value.LastOrDefault()) switch
        {
            'K' => 1UL << 10,
            'M' => 1UL << 20,
            'G' => 1UL << 30,
            _ => 1,
        };
        string digits = scale == 1 ? value : value[..^1];
        return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) && n <= ulong.MaxValue / scale
            ? n * scale
            : throw new UsageException($"--memory '{value}' is not a size like 64M");
    }

    private static IrqchipMode ParseIrqchip(string value) => value switch
    {
        "user" => IrqchipMode.User,
        "kernel" => IrqchipMode.Kernel,
        _ => throw new UsageException($"--irqchip '{value}': expected user or kernel"),
    };

    private static MachineType ParseMachine(string value) => value switch
    {
        "pc" => MachineType.Pc,
        "xen-pvh" => MachineType.XenPvh,
        _ => throw new UsageException($"--machine '{value}': expected pc or xen-pvh"),
    };

    private static TimeSpan ParseTimeout(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 && s < 1e7
            ? TimeSpan.FromSeconds(s)
            : throw new UsageException($"--timeout '{value}' is not a positive number of seconds");
}
