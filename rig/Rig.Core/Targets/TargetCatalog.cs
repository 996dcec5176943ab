using Rig.Config;

namespace Rig.Targets;

/// <summary>Turns the configured target data into drivers, in configuration order.</summary>
public static class TargetCatalog
{
    public static IReadOnlyList<ITarget> Create(RigOptions options, string repoRoot) =>
        options.Targets
            .Where(t => t.Value.Enabled)
            .Select(t => Create(t.Key, t.Value, repoRoot))
            .ToList();

    public static ITarget Create(string name, TargetOptions target, string repoRoot) => target.Kind switch
    {
        "qemu" => new QemuTarget(name, target, repoRoot),
        "reference" => new ReferenceTarget(name, target, repoRoot),
        "xen" => new XenTarget(name, target, repoRoot),
        _ => throw new RigConfigException($"targets:{name}:kind: unknown kind '{target.Kind}'"),
    };
}
