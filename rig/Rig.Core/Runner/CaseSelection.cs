using System.Text.RegularExpressions;
using Rig.Cases;

namespace Rig.Runner;

/// <summary>
/// Which cases a run executes: suites by name, targets by name (null = all), and a glob (<c>*</c>, <c>?</c>,
/// case-insensitive) matched against the case id (apic.timer-after-reboot or timer-after-reboot), the test's method
/// name, class name, or full NUnit name.
/// </summary>
public sealed class CaseSelection(IReadOnlySet<string>? suites, IReadOnlySet<string>? targets, string? glob)
{
    private readonly Regex? _pattern = string.IsNullOrEmpty(glob) ? null : GlobToRegex(glob);

    public static CaseSelection All { get; } = new(null, null, null);

    public IReadOnlySet<string>? Suites { get; } = suites;

    public IReadOnlySet<string>? Targets { get; } = targets;

    public bool SelectsSuite(string suite) => Suites is null || Suites.Contains(suite);

    public bool SelectsTarget(string target) => Targets is null || Targets.Contains(target);

    /// <param name="target">The case's target row; null for a test that is not parameterised by target (it runs once).</param>
    public bool Selects(string suite, string className, string methodName, string fullName, string? target) =>
        SelectsSuite(suite)
        && (target is null || SelectsTarget(target))
        && (_pattern is null || _pattern.IsMatch(methodName) || _pattern.IsMatch(className) || _pattern.IsMatch(fullName)
            || _pattern.IsMatch(CaseId(className)) || _pattern.IsMatch($"{suite}.{CaseId(className)}"));

    /// <summary>The case id a fixture class names (<see cref="KebabCase"/>): Rig.Suites.Apic.TimerAfterReboot → timer-after-reboot.</summary>
    private static string CaseId(string className) => KebabCase.From(className[(className.LastIndexOf('.') + 1)..]);

    private static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
