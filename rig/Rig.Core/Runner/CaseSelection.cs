using System.Text.RegularExpressions;
using Rig.Cases;

namespace Rig.Runner;

/// <summary>
/// Which cases a run executes: suites by name, targets by name (null = all), and a glob (<c>*</c>, <c>?</c>,
/// case-insensitive) matched against the case id (apic.timer-after-reboot or timer-after-reboot), the test's method
/// name, class name, or full NUnit name. <paramref name="targetSuites"/> narrows a target's rows to some suites (a default
/// run's <c>defaultSuites</c>, Rig.Config.TargetOptions).
/// </summary>
public sealed class CaseSelection(
    IReadOnlySet<string>? suites, IReadOnlySet<string>? targets, string? glob, IReadOnlyDictionary<string, IReadOnlySet<string>>? targetSuites = null)
{
    private readonly Regex? _pattern = string.IsNullOrEmpty(glob) ? null : GlobToRegex(glob);

    public static CaseSelection All { get; } = new(null, null, null);

    public IReadOnlySet<string>? Suites { get; } = suites;

    public IReadOnlySet<string>? Targets { get; } = targets;

    /// <summary>Targets whose rows are narrowed to some suites; a target not listed runs every selected suite.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> TargetSuites { get; } = targetSuites ?? new Dictionary<string, IReadOnlySet<string>>();

    /// <summary>
    /// A run that names no suite runs a target with <c>defaultSuites</c> that it did not name on those suites only:
    /// naming either is asking for the rest.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> DefaultSuites(
        IReadOnlyDictionary<string, Config.TargetOptions> targets, IReadOnlySet<string>? suites, IReadOnlySet<string>? named) =>
        suites is not null
            ? new Dictionary<string, IReadOnlySet<string>>()
            : targets.Where(t => t.Value.DefaultSuites.Count > 0 && named?.Contains(t.Key) != true)
                .ToDictionary(t => t.Key, IReadOnlySet<string> (t) => t.Value.DefaultSuites.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The selection in the words of rig run's flags, for a message.</summary>
    public string Describe() =>
        string.Join(", ", new[]
        {
            Suites is null ? "every suite" : "--suite " + string.Join(",", Suites.Order(StringComparer.Ordinal)),
            Targets is null ? "every target" : "--target " + string.Join(",", Targets.Order(StringComparer.Ordinal)),
            glob is null ? null : $"--filter '{glob}' (a glob: * and ? only)",
        }.OfType<string>());

    public bool SelectsSuite(string suite) => Suites is null || Suites.Contains(suite);

    public bool SelectsTarget(string target) => Targets is null || Targets.Contains(target);

    /// <param name="target">The case's target row; null for a test that is not parameterised by target (it runs once).</param>
    public bool Selects(string suite, string className, string methodName, string fullName, string? target) =>
        SelectsSuite(suite)
        && (target is null || (SelectsTarget(target) && (!TargetSuites.TryGetValue(target, out var narrowed) || narrowed.Contains(suite))))
        && (_pattern is null || _pattern.IsMatch(methodName) || _pattern.IsMatch(className) || _pattern.IsMatch(fullName)
            || _pattern.IsMatch(CaseId(className)) || _pattern.IsMatch($"{suite}.{CaseId(className)}"));

    /// <summary>The case id a fixture class names (<see cref="KebabCase"/>): Rig.Suites.Apic.TimerAfterReboot → timer-after-reboot.</summary>
    private static string CaseId(string className) => KebabCase.From(className[(className.LastIndexOf('.') + 1)..]);

    private static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
