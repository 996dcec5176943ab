using Rig.Probes.Host;

namespace Rig.Probes.Tests;

/// <summary>The targets the probe tests boot on, by name (xunit data must be serialisable, so rows carry names).</summary>
public static class Targets
{
    public static string RepoRoot { get; } = ProbeImages.FindRepoRoot(AppContext.BaseDirectory);

    public static ProbeTarget ByName(string name) => name switch
    {
        "qemu-tcg" => ProbeTarget.QemuTcg,
        "qemu-kvm" => ProbeTarget.QemuKvm,
        "reference" => ProbeTarget.RigHv(RepoRoot),
        "reference-xen-pvh" => ProbeTarget.RigHvXenPvh(RepoRoot),
        _ => throw new ArgumentException($"unknown target {name}", nameof(name)),
    };

    public static string Image(string probe) => ProbeImages.PathOf(RepoRoot, probe);
}
