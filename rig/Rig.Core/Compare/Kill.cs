namespace Rig.Compare;

/// <summary>
/// One case failing on one seeded defect, over every repeat of that defect: it counts as a kill only when it failed in
/// all of them (<see cref="Deterministic"/>), so a kill is evidence rather than luck. <see cref="CaseTime"/> is the
/// longest failing repeat, <see cref="Evidence"/> the first FAIL line of the first failing repeat.
/// </summary>
public sealed record Kill(string Case, int FailedRuns, int Runs, TimeSpan CaseTime, string Evidence)
{
    public bool Deterministic => FailedRuns == Runs;
}
