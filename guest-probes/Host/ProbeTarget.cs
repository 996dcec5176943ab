namespace Rig.Probes.Host;

/// <summary>
/// A way to boot a probe image with COM1 on the process's stdout: QEMU (microvm, qboot: ~0.1 s per boot where
/// SeaBIOS takes ~5 s under kvm_pvm) or the reference hypervisor rig-hv. Availability is checked, with the
/// reason, so tests skip instead of failing where a target cannot run.
/// </summary>
public sealed record ProbeTarget(string Name, string Executable, bool NeedsKvm, Func<string, int, string, string[]> Arguments)
{
    public const string Qemu = "qemu-system-x86_64";

    /// <summary>TCG: QEMU's own x86 emulation, available wherever QEMU is installed.</summary>
    public static ProbeTarget QemuTcg { get; } = new("qemu-tcg", Qemu, false, (image, cpus, append) => QemuArguments(image, cpus, append, "tcg", "max"));

    /// <summary>KVM with the host CPU (arch-capabilities=off: kvm_pvm refuses MSR 0x10a otherwise).</summary>
    public static ProbeTarget QemuKvm { get; } = new("qemu-kvm", Qemu, true, (image, cpus, append) => QemuArguments(image, cpus, append, "kvm", "host,arch-capabilities=off"));

    public static ProbeTarget RigHv(string repoRoot) => new(
        "reference",
        Path.Combine(repoRoot, "artifacts", "publish", "Rig.Hypervisor", "release_linux-x64", "rig-hv"),
        true,
        (image, cpus, append) => ["--image", image, "--vcpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), "--memory", "64M", "--append", append, "--com1", "-", "--timeout", "60"]);

    /// <summary>rig-hv as a Xen PVH domU sees its host: the probe's only channel is the PV console, its exit SCHEDOP_shutdown.</summary>
    public static ProbeTarget RigHvXenPvh(string repoRoot)
    {
        ProbeTarget pc = RigHv(repoRoot);
        return pc with { Name = "reference-xen-pvh", Arguments = (image, cpus, append) => [.. pc.Arguments(image, cpus, append), "--machine", "xen-pvh"] };
    }

    private static string[] QemuArguments(string image, int cpus, string append, string accel, string cpu) =>
    [
        "-machine", "microvm,rtc=on,acpi=on", "-accel", accel, "-cpu", cpu, "-m", "64M",
        "-smp", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-nodefaults", "-display", "none", "-no-reboot", "-kernel", image, "-append", append,
        "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
    ];

    /// <summary>Why this target cannot run here, or null when it can.</summary>
    public string? Unavailable()
    {
        if (Executable == Qemu ? !ExecutableOnPath(Qemu) : !File.Exists(Executable))
        {
            return $"{Executable} is not installed or built";
        }
        return NeedsKvm ? KvmUnavailable() : null;
    }

    private static string? KvmUnavailable()
    {
        try
        {
            using FileStream kvm = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"/dev/kvm cannot be opened: {e.Message}";
        }
    }

    private static bool ExecutableOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, name)));
}
