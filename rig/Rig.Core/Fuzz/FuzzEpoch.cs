namespace Rig.Fuzz;

/// <summary>One VM of a campaign: its seed and weights, inputs done (all boots), boots seen, host disruptions, the coverage sites it reached, how it ended, what its oracles judged.</summary>
public sealed record FuzzEpoch(
    int Epoch,
    ulong Seed,
    FuzzWeights Weights,
    ulong Inputs,
    IReadOnlyList<ulong> InputsPerInterface,
    int Boots,
    int HostResets,
    int HostNmis,
    ulong Strays,
    IReadOnlySet<FuzzSite> Sites,
    FuzzOutcome Outcome,
    string Evidence,
    TimeSpan Wall,
    IReadOnlyList<string> LastInputs)
{
    public FuzzOracleTally Oracles { get; init; } = FuzzOracleTally.None;
}
