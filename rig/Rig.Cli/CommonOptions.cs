using System.CommandLine;

namespace Rig.Cli;

/// <summary>Flags several verbs share, each mapping to the rig.json key of the same name.</summary>
public static class CommonOptions
{
    public static Option<string?> Release(string description = "Release name (rig.json 'release'; default: git describe --always --dirty, or 'dev')") =>
        new("--release") { Description = description };

    public static Option<string?> Store() =>
        new("--store") { Description = "Results store: SQLite path or PostgreSQL connection string (rig.json 'store'; default results/rig.db)" };

    public static Option<bool> Json() =>
        new("--json") { Description = "Print one JSON document on stdout for scripts (everything else goes to stderr)" };

    public static Option<int> Repeat(string description, int defaultValue) =>
        new("--repeat") { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Option<int?> Seed() =>
        new("--seed") { Description = "Seed of the cases' random choices (pause/revert schedules); stored with the run so its rerun command replays them (default: a new one)" };

    public static Option<string?> Profile() =>
        new("--profile") { Description = "Profile the cases pick their counts from: default or lab (rig.json 'profile')" };

    /// <summary>The --seed value, or a fresh positive one.</summary>
    public static int SeedOrNew(int? seed) => seed ?? System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue);

    /// <summary>The --repeat value, checked: 1..10000.</summary>
    public static int Repeats(int value) =>
        value is < 1 or > 10_000 ? throw new RigUsageException($"--repeat: must be between 1 and 10000 (got {value})") : value;

    /// <summary>"a,b" and repeated flags alike; null when not given.</summary>
    public static IReadOnlySet<string>? NameSet(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
}
