namespace Rig.Scaffold;

/// <summary>
/// Writes a <see cref="CaseSkeleton"/> into a repository: the case's five files, and what its suite needs to build
/// them (the suite project for a new suite, its Records/ schemas in the probes' build, its reference from the oracle
/// tests' project). Nothing that exists is overwritten: a case name already taken is an error before any file is written.
/// </summary>
public static class CaseScaffolder
{
    private const string OracleTestsProject = "tests/Rig.Suites.Tests/Rig.Suites.Tests.csproj";
    private const string ProbeLine = "<Probe Include=\"probes/*.cs\" />";

    /// <summary>The repository-relative paths written or changed; <see cref="NewSuite"/> tells whether the solution must list a new project.</summary>
    public sealed record Outcome(IReadOnlyList<string> Written, IReadOnlyList<string> Changed, bool NewSuite);

    public static Outcome Write(string repoRoot, CaseSkeleton skeleton)
    {
        var taken = skeleton.Files().Select(f => f.Path).Where(p => File.Exists(Path.Combine(repoRoot, p))).ToList();
        if (taken.Count > 0)
        {
            throw new InvalidOperationException($"{skeleton.Id} exists already ({string.Join(", ", taken)}): pick another name");
        }

        var written = new List<string>();
        var changed = new List<string>();
        var project = Path.Combine(repoRoot, skeleton.ProjectPath);
        var newSuite = !File.Exists(project);
        if (newSuite)
        {
            Save(repoRoot, skeleton.ProjectPath, skeleton.ProjectText());
            written.Add(skeleton.ProjectPath);
            if (AddReference(repoRoot, skeleton))
            {
                changed.Add(OracleTestsProject);
            }
        }
        else if (AddRecordSchemas(project))
        {
            changed.Add(skeleton.ProjectPath);
        }

        foreach (var (path, text) in skeleton.Files())
        {
            Save(repoRoot, path, text);
            written.Add(path);
        }

        return new Outcome(written, changed, newSuite);
    }

    /// <summary>Puts the suite's Records/ into its probes' build, once, beside its probes.</summary>
    private static bool AddRecordSchemas(string project)
    {
        var text = File.ReadAllText(project);
        if (text.Contains("Records/*.cs", StringComparison.Ordinal))
        {
            return false;
        }

        var at = text.IndexOf(ProbeLine, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"{project} has no {ProbeLine}: it does not build probes the way a suite does");
        }

        var lineStart = text.LastIndexOf('\n', at) + 1;
        var indent = text[lineStart..at];
        var insert = at + ProbeLine.Length;
        File.WriteAllText(project, text[..insert] + $"\n{indent}<ProbeSupport Include=\"Records/*.cs\" />" + text[insert..]);
        return true;
    }

    private static bool AddReference(string repoRoot, CaseSkeleton skeleton)
    {
        var path = Path.Combine(repoRoot, OracleTestsProject);
        var reference = $"<ProjectReference Include=\"../../{skeleton.ProjectPath}\" />";
        var text = File.ReadAllText(path);
        if (text.Contains(reference, StringComparison.Ordinal))
        {
            return false;
        }

        var last = text.LastIndexOf("<ProjectReference ", StringComparison.Ordinal);
        if (last < 0)
        {
            throw new InvalidOperationException($"{OracleTestsProject} references no suite: cannot place {skeleton.ProjectPath} beside them");
        }

        var lineStart = text.LastIndexOf('\n', last) + 1;
        File.WriteAllText(path, text[..lineStart] + text[lineStart..last] + reference + "\n" + text[lineStart..]);
        return true;
    }

    private static void Save(string repoRoot, string relative, string text)
    {
        var full = Path.Combine(repoRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
