namespace Rig.Config;

/// <summary>
/// Everything rig.json, RIG_* variables and flags can set. Keys are camelCase in rig.json;
/// in the environment, ':' becomes "__" (e.g. <c>RIG_TARGETS__qemu-kvm__machine=q35</c>).
/// </summary>
public sealed class RigOptions
{
    /// <summary>Release the run is filed under; empty means <c>git describe --always --dirty</c>, or "dev".</summary>
    public string Release { get; set; } = "";

    /// <summary>SQLite path (relative to the repo root) or a PostgreSQL connection string (<c>Host=...</c>).</summary>
    public string Store { get; set; } = "results/rig.db";

    /// <summary>Directory of probe images (<c>&lt;Name&gt;.elf</c>), relative to the repo root.</summary>
    public string Probes { get; set; } = "artifacts/probes";

    /// <summary>Directory searched for suite assemblies (<c>Rig.Suites.*/&lt;config&gt;/Rig.Suites.*.dll</c>).</summary>
    public string Suites { get; set; } = "artifacts/bin";

    /// <summary>
    /// How hard the cases push: "default" for CI and development machines, "lab" for the larger counts a lab run
    /// on real hardware affords (thousands of reboots, 20 VMs). Each case states its counts for both.
    /// </summary>
    public string Profile { get; set; } = "default";

    /// <summary>Wall-clock bound on any one VM; past it the VM is killed and the case is an error.</summary>
    public int WatchdogSeconds { get; set; } = 120;

    /// <summary>
    /// The checkout, as RIG_ROOT gave it. It is read before this file can be found (see <see cref="RepoRoot"/>);
    /// it is a key here only so that RIG_ROOT does not count as an unknown setting.
    /// </summary>
    public string Root { get; set; } = "";

    public Dictionary<string, TargetOptions> Targets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Drift thresholds for <c>rig compare</c> and the report (<c>compare:thresholds</c>).</summary>
    public CompareOptions Compare { get; set; } = new();
}
