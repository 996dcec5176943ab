namespace Rig.Config;

/// <summary>One target as data: which driver (<see cref="Kind"/>) and how to start its VMs.</summary>
public sealed class TargetOptions
{
    /// <summary>"qemu", "reference" or "xen".</summary>
    public string Kind { get; set; } = "";

    /// <summary>The VMM binary: a bare name is looked up on PATH, a path is relative to the repo root.</summary>
    public string Binary { get; set; } = "";

    /// <summary>QEMU accelerator: "kvm" or "tcg".</summary>
    public string Accel { get; set; } = "";

    /// <summary>QEMU machine type (microvm boots in ~0.1 s here where SeaBIOS on q35 takes ~5 s); for xen, the guest type (pvh or hvm).</summary>
    public string Machine { get; set; } = "microvm";

    /// <summary>Extra machine properties, e.g. "kernel-irqchip=off" (QEMU) — appended to -machine.</summary>
    public string MachineOptions { get; set; } = "";

    /// <summary>QEMU -cpu value; empty means QEMU's default for the accelerator.</summary>
    public string Cpu { get; set; } = "";

    /// <summary>Reference hypervisor interrupt controllers: "user" (its own, the default) or "kernel".</summary>
    public string Irqchip { get; set; } = "";

    public int MemoryMb { get; set; } = 64;

    public List<string> ExtraArgs { get; set; } = [];

    /// <summary>
    /// Interfaces this target must offer (kvmclock, xen, rdtscp, x2apic, tsc-deadline; Rig.Cases.TargetInterfaces): a
    /// probe that finds one absent fails its case here, where elsewhere it is a skip.
    /// </summary>
    public List<string> Offers { get; set; } = [];

    /// <summary>
    /// The suites a default run (no --suite, this target not named by --target) runs here; empty: every suite. For a target
    /// whose rows cost a minute each (Xen nested under TCG), so that ./run.sh ends within the hour; naming the target or a
    /// suite runs the rest.
    /// </summary>
    public List<string> DefaultSuites { get; set; } = [];

    /// <summary>A disabled target is not listed, not run and not reported.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Deviations this target is known to show on a host whose KVM module is the key (kvm_pvm: KVM without VMX,
    /// docs/notes/cpu.md), or on every host (key <see cref="AnyHost"/>): not the target's to make right. Each entry is one check's
    /// measured outcome ("suite.case/check: measured") or, the older form, a whole case ("suite.case"): Rig.Cases.HostLimit.
    /// A deviation so declared is a known-deviation skip with its evidence, never a pass; any other still fails; a declared
    /// one that does not show is noted.
    /// </summary>
    public Dictionary<string, List<string>> HostLimits { get; set; } = [];

    /// <summary>The <see cref="HostLimits"/> key for a deviation of the target itself, on every host (an emulator's own bug).</summary>
    public const string AnyHost = "any";
}
