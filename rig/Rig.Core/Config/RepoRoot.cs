namespace Rig.Config;

/// <summary>
/// Finds the checkout the rig works in: $RIG_ROOT, else the nearest directory above the working
/// directory or above the running assembly that holds rig.json. Suite assemblies run by
/// <c>dotnet test</c> live under artifacts/, so walking up from them finds the repo too.
/// </summary>
public static class RepoRoot
{
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("RIG_ROOT") is { Length: > 0 } explicitRoot)
        {
            return Path.GetFullPath(explicitRoot);
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, RigConfiguration.FileName)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new RigConfigException($"{RigConfiguration.FileName}: not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; set RIG_ROOT");
    }

    /// <summary>A configured path: absolute as is, relative to the repo root otherwise.</summary>
    public static string Resolve(string repoRoot, string path) => Path.IsPathRooted(path) ? path : Path.Combine(repoRoot, path);

    /// <summary>A configured command: a bare name stays a name for PATH lookup, a path is resolved against the repo root.</summary>
    public static string ResolveCommand(string repoRoot, string command) => command.Contains('/') ? Resolve(repoRoot, command) : command;
}
