namespace Rig.Runner;

/// <summary>
/// One (case × target) row of a run: the unit the runner schedules, a shard owns and a repeat reruns. A test that is
/// not parameterised by target has one row with target "-". <see cref="FullName"/> is NUnit's name for the test, which
/// is how the row is found again in a fresh load of its suite.
/// </summary>
public sealed record CaseRow(string Suite, string Case, string Target, string FullName, string? QuietHostReason)
{
    /// <summary>The row's place in every ordering: suite, case, target, then NUnit's name for ties (two methods of one fixture).</summary>
    public string Key => $"{Suite}.{Case}@{Target}#{FullName}";

    /// <summary>A row whose timing verdicts neighbours would disturb runs with nothing beside it (<see cref="Cases.QuietHostAttribute"/>).</summary>
    public bool NeedsQuietHost => QuietHostReason is not null;

    public override string ToString() => $"{Suite}.{Case} on {Target}";
}
