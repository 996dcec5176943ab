using Rig.Config;
using Rig.Targets;

namespace Rig.Tests.Fuzz;

/// <summary>A fact skipped with the reason where the reference target or the fuzzing probe is not there.</summary>
public sealed class RequiresReferenceFactAttribute : FactAttribute
{
    private static readonly Lazy<(RigOptions Options, string Root)> Config = new(() =>
    {
        var root = Rig.Config.RepoRoot.Find();
        return (RigConfiguration.Load(root), root);
    });

    public RequiresReferenceFactAttribute()
    {
        if (!File.Exists(Image))
        {
            Skip = $"{Image} not built";
        }
        else if (Target().Probe() is { Available: false } unavailable)
        {
            Skip = $"reference unavailable: {unavailable.Reason}";
        }
    }

    public static string Image => Path.Combine(Rig.Config.RepoRoot.Resolve(Config.Value.Root, Config.Value.Options.Probes), "Fuzz.elf");

    public static ITarget Target() => TargetCatalog.Create("reference", Config.Value.Options.Targets["reference"], Config.Value.Root);
}
