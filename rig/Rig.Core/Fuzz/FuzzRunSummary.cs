namespace Rig.Fuzz;

/// <summary>
/// What the results store keeps of one <c>rig fuzz</c> campaign, and what the report shows of it (issue 21's figures:
/// inputs tried, interfaces covered, host crashes and hangs, each goal 0): per interface its inputs and rig-hv handler
/// sites, and per epoch how its VM ended, with the replay command of a crash or hang. The sites themselves are not kept.
/// </summary>
public sealed record FuzzRunSummary(
    string Target,
    ulong Seed,
    int Vcpus,
    DateTimeOffset Started,
    TimeSpan Wall,
    ulong Inputs,
    int Sites,
    IReadOnlyList<FuzzRunSummary.Interface> Interfaces,
    IReadOnlyList<FuzzRunSummary.Epoch> Epochs)
{
    /// <summary>One fuzzed interface: inputs tried, handler sites its inputs reached, and whether <see cref="FuzzReport.Covered"/> counts it.</summary>
    public sealed record Interface(string Name, ulong Inputs, int Sites, bool Covered);

    /// <summary>One epoch (one VM): its seed, how it ended and why, and for a crash or hang the command that replays it.</summary>
    public sealed record Epoch(int Number, ulong Seed, FuzzOutcome Outcome, ulong Inputs, TimeSpan Wall, string Evidence, string? Replay);

    public static FuzzRunSummary Of(FuzzReport report, DateTimeOffset started)
    {
        var replays = report.Findings.ToDictionary(f => f.Epoch, f => f.ReplayCommand);
        return new FuzzRunSummary(report.Target, report.Seed, report.Vcpus, started, report.Wall, report.Inputs, report.Sites.Count,
            [.. FuzzInterfaces.Names.Select((name, i) => new Interface(name, report.InputsOf(i), report.SitesOf(i), report.Covered.Contains(name)))],
            [.. report.Epochs.Select(e => new Epoch(e.Epoch, e.Seed, e.Outcome, e.Inputs, e.Wall, e.Evidence, replays.GetValueOrDefault(e.Epoch)))]);
    }

    public double InputsPerSecond => Wall.TotalSeconds > 0 ? Inputs / Wall.TotalSeconds : 0;

    public int Count(FuzzOutcome outcome) => Epochs.Count(e => e.Outcome == outcome);

    /// <summary>The crashes and hangs: the hypervisor's failures.</summary>
    public IReadOnlyList<Epoch> Findings => [.. Epochs.Where(e => e.Outcome is FuzzOutcome.Crash or FuzzOutcome.Hang)];
}
