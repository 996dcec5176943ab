using Rig.Config;
using Rig.Store;

namespace Rig.Cli;

/// <summary>The checkout and its validated configuration, with the command's flags applied on top of rig.json and RIG_*.</summary>
public sealed class RigEnvironment
{
    private RigEnvironment(string repoRoot, RigOptions options)
    {
        RepoRoot = repoRoot;
        Options = options;
    }

    public string RepoRoot { get; }

    public RigOptions Options { get; }

    /// <summary>Where reports and JUnit files go: results/ in the checkout.</summary>
    public string ResultsDirectory => Path.Combine(RepoRoot, "results");

    public static RigEnvironment Load(string? release = null, string? store = null, string? profile = null)
    {
        var root = Config.RepoRoot.Find();
        var overrides = new Dictionary<string, string?>();
        if (release is not null)
        {
            overrides["release"] = release;
        }

        if (store is not null)
        {
            overrides["store"] = store;
        }

        if (profile is not null)
        {
            overrides["profile"] = profile;
        }

        return new RigEnvironment(root, RigConfiguration.Load(root, overrides));
    }

    public string Release => Options.Release.Length > 0 ? Options.Release : ReleaseName.Default(RepoRoot);

    /// <summary>A connection string is used as is; a SQLite path is relative to the checkout, so results land in results/ wherever the rig is started.</summary>
    public ResultStore OpenStore()
    {
        var location = Options.Store.Contains('=') ? Options.Store : Config.RepoRoot.Resolve(RepoRoot, Options.Store);
        if (!location.Contains('='))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(location))!);
        }

        return ResultStore.Open(location);
    }
}
