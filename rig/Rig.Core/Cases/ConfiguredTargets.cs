namespace Rig.Cases;

/// <summary>
/// The rows of every case: one per configured, enabled target.
/// Use as <c>[TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]</c>.
/// </summary>
public static class ConfiguredTargets
{
    public static IEnumerable<string> Names => RigSession.Current.Targets.Select(t => t.Name);
}
