using System.Globalization;
using Rig.Config;
using Rig.Hosting;

namespace Rig.Targets;

/// <summary>
/// Debian's qemu-system-x86_64 as configured in rig.json. The probe boots with <c>-kernel</c> (PVH entry),
/// COM1/COM2 are 16550s on client socket chardevs the rig listens on, exit codes come from isa-debug-exit,
/// and there is no <c>-no-reboot</c> because cases reboot the guest through system_reset.
/// </summary>
public sealed class QemuTarget(string name, TargetOptions options, string repoRoot) : ITarget
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(10);
    private readonly Lazy<TargetAvailability> _availability = new(() => CheckAvailability(name, options, repoRoot));

    public string Name { get; } = name;

    public TargetAvailability Probe() => _availability.Value;

    public Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        if (spec.Defect is not null)
        {
            throw new TargetUnsupportedException(Name, $"seed defect {spec.Defect}", "defects-are-reference-only");
        }

        var binary = ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary))
            ?? throw new InvalidOperationException($"{Name}: {options.Binary} not found");
        var sockets = VmSockets.CreateTemporary();
        var args = MachineArguments(options);
        args.AddRange(
        [
            "-smp", spec.Vcpus.ToString(CultureInfo.InvariantCulture),
            "-chardev", $"socket,id=qmp,path={sockets.Qmp}",
            "-mon", "chardev=qmp,mode=control",
            "-chardev", $"socket,id=com1,path={sockets.Com1}",
            "-chardev", $"socket,id=com2,path={sockets.Com2}",
            "-device", "isa-serial,chardev=com1,iobase=0x3f8,irq=4",
            "-device", "isa-serial,chardev=com2,iobase=0x2f8,irq=3",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-kernel", spec.ImagePath,
            "-append", spec.Append,
            "-S",
        ]);
        var launch = new VmLaunch(Name, binary, args, sockets, RigListens: true, HasVendorCommands: false, StartsPaused: true);
        return StartAsync(launch, spec, cancellationToken);
    }

    /// <summary>Everything but the per-VM sockets and image: also what the availability check boots.</summary>
    public static List<string> MachineArguments(TargetOptions options)
    {
        var machine = options.Machine + (options.MachineOptions.Length > 0 ? "," + options.MachineOptions : "");
        var args = new List<string>
        {
            "-machine", machine,
            "-accel", options.Accel,
            "-m", $"{options.MemoryMb}M",
            "-nodefaults", "-display", "none",
        };
        if (options.Cpu.Length > 0)
        {
            args.AddRange(["-cpu", options.Cpu]);
        }

        args.AddRange(options.ExtraArgs);
        return args;
    }

    private static async Task<IVm> StartAsync(VmLaunch launch, VmSpec spec, CancellationToken cancellationToken) =>
        await QmpVm.StartAsync(launch, spec.Watchdog, cancellationToken).ConfigureAwait(false);

    private static TargetAvailability CheckAvailability(string name, TargetOptions options, string repoRoot)
    {
        if (ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary)) is not { } binary)
        {
            return TargetAvailability.Unavailable($"{options.Binary} not found (Debian package qemu-system-x86)");
        }

        string version;
        try
        {
            var (code, stdout, stderr) = ChildProcesses.RunAsync(binary, ["--version"], ToolTimeout).GetAwaiter().GetResult();
            version = stdout.Split('\n')[0].Trim();
            if (code != 0)
            {
                return TargetAvailability.Unavailable($"{binary} --version failed: {stderr.Trim()}");
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return TargetAvailability.Unavailable($"{binary} --version: {e.Message}");
        }

        if (options.Accel == "kvm" && KvmDevice.ProblemOpening() is { } kvmProblem)
        {
            return TargetAvailability.Unavailable(kvmProblem, version);
        }

        return AcceleratorWorks(name, binary, options) is { } problem
            ? TargetAvailability.Unavailable(problem, version)
            : TargetAvailability.Ready(version);
    }

    /// <summary>
    /// Starts the configured machine paused (-S) and quits it over QMP on stdio: QEMU initialises the
    /// accelerator and the CPU model before it reads QMP, so this catches "KVM not usable", "CPU property
    /// not supported" and QEMU aborting on an MSR KVM refuses, in well under a second and without a probe image.
    /// </summary>
    private static string? AcceleratorWorks(string name, string binary, TargetOptions options)
    {
        var args = MachineArguments(options);
        args.AddRange(["-S", "-qmp", "stdio"]);
        try
        {
            var (code, _, stderr) = ChildProcesses.RunAsync(binary, args, ToolTimeout, QuitOverQmp).GetAwaiter().GetResult();
            return code == 0 ? null : $"{name}: QEMU refused this configuration (exit {code}): {LastLines(stderr)}";
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
        {
            return $"{name}: trial start failed: {e.Message}";
        }
    }

    private const string QuitOverQmp = "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n";

    private static string LastLines(string stderr) =>
        string.Join(" | ", stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(2));
}
