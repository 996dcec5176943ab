using System.CommandLine;

namespace Rig.Cli;

/// <summary>Flags several verbs share, each mapping to the rig.json key of the same name.</summary>
public static class CommonOptions
{
    public static Option<string?> Release(string description = "Release name (rig.json 'release'; default: git describe --always --dirty, or 'dev')") =>
        new("--release") { Description = description };

    public static Option<string?> Store() =>
        new("--store") { Description = "Results store: SQLite path or PostgreSQL connection string (rig.json 'store'; default results/rig.db)" };

    /// <summary>"a,b" and repeated flags alike; null when not given.</summary>
    public static IReadOnlySet<string>? NameSet(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
}
