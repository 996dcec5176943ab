using System.Reflection;
using System.Runtime.Loader;
using Rig.Cases;

namespace Rig.Runner;

/// <summary>
/// A built suite: suites/&lt;area&gt;/Rig.Suites.&lt;Area&gt;.csproj builds to
/// artifacts/bin/Rig.Suites.&lt;Area&gt;/&lt;configuration&gt;/Rig.Suites.&lt;Area&gt;.dll (UseArtifactsOutput).
/// Discovery takes every such directory built with NUnit; when both debug and release exist, the newer build wins.
/// </summary>
public sealed record SuiteAssembly(string Suite, string Path)
{
    private static readonly HashSet<string> ProbedDirectories = new(StringComparer.Ordinal);

    public static IReadOnlyList<SuiteAssembly> Discover(string binRoot)
    {
        if (!Directory.Exists(binRoot))
        {
            return [];
        }

        var found = new List<SuiteAssembly>();
        foreach (var projectDir in Directory.GetDirectories(binRoot, SuiteNames.AssemblyPrefix + "*").Order(StringComparer.Ordinal))
        {
            var assemblyName = System.IO.Path.GetFileName(projectDir);
            if (SuiteNames.FromAssemblyName(assemblyName) is not { } suite)
            {
                continue;
            }

            // Only an NUnit assembly has cases: a suite project that holds just its oracles so far is not a suite yet.
            var newest = Directory.GetDirectories(projectDir)
                .Select(config => System.IO.Path.Combine(config, assemblyName + ".dll"))
                .Where(dll => File.Exists(dll) && File.Exists(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(dll)!, "nunit.framework.dll")))
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault();
            if (newest is not null)
            {
                found.Add(new SuiteAssembly(suite, newest));
            }
        }

        return found;
    }

    /// <summary>
    /// Lets the suite's own dependencies load from its build directory; Rig.Core and NUnit resolve to the
    /// rig's copies, which are the same build, so cases and runner share one <see cref="RigSession"/>.
    /// </summary>
    public void EnableDependencyLoading()
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        lock (ProbedDirectories)
        {
            if (!ProbedDirectories.Add(dir))
            {
                return;
            }
        }

        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            var candidate = System.IO.Path.Combine(dir, name.Name + ".dll");
            return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
        };
    }

    public Assembly Load()
    {
        EnableDependencyLoading();
        return AssemblyLoadContext.Default.LoadFromAssemblyPath(System.IO.Path.GetFullPath(Path));
    }
}
