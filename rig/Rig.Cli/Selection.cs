using Rig.Runner;

namespace Rig.Cli;

/// <summary>Checks --suite and --target against what exists, so a typo is an error rather than an empty, green run.</summary>
public static class Selection
{
    public static CaseSelection Build(RigEnvironment environment, string[]? suites, string[]? targets, string? filter, out IReadOnlyList<SuiteAssembly> found)
    {
        var binRoot = Config.RepoRoot.Resolve(environment.RepoRoot, environment.Options.Suites);
        var built = SuiteAssembly.Discover(binRoot);
        found = built;
        if (built.Count == 0)
        {
            throw new RigUsageException($"suites: no suite assemblies (Rig.Suites.*) under {binRoot}; build first (./run.sh builds everything)");
        }

        var suiteSet = CommonOptions.NameSet(suites);
        var unknownSuites = suiteSet?.Where(s => built.All(f => f.Suite != s)).ToList() ?? [];
        if (unknownSuites.Count > 0)
        {
            throw new RigUsageException($"--suite: no suite {string.Join(", ", unknownSuites)}; built suites: {string.Join(", ", built.Select(f => f.Suite))}");
        }

        var targetSet = CommonOptions.NameSet(targets);
        var configured = environment.Options.Targets.Where(t => t.Value.Enabled).Select(t => t.Key).ToList();
        var unknownTargets = targetSet?.Where(t => !configured.Contains(t)).ToList() ?? [];
        if (unknownTargets.Count > 0)
        {
            throw new RigUsageException($"--target: no target {string.Join(", ", unknownTargets)}; configured: {string.Join(", ", configured)}");
        }

        return new CaseSelection(suiteSet, targetSet, filter, DefaultSuites(environment, built, suiteSet, targetSet));
    }

    /// <summary>Checks every target's <c>defaultSuites</c> against the built suites, then narrows this run's rows by them.</summary>
    private static IReadOnlyDictionary<string, IReadOnlySet<string>> DefaultSuites(
        RigEnvironment environment, IReadOnlyList<SuiteAssembly> built, IReadOnlySet<string>? suiteSet, IReadOnlySet<string>? targetSet)
    {
        var enabled = environment.Options.Targets.Where(t => t.Value.Enabled).ToDictionary();
        foreach (var (name, target) in enabled)
        {
            var unknown = target.DefaultSuites.Where(s => built.All(f => f.Suite != s)).ToList();
            if (unknown.Count > 0)
            {
                throw new Config.RigConfigException(
                    $"targets:{name}:defaultSuites: no suite {string.Join(", ", unknown)}; built suites: {string.Join(", ", built.Select(f => f.Suite))}");
            }
        }

        return CaseSelection.DefaultSuites(enabled, suiteSet, targetSet);
    }
}
