namespace Rig.Fuzz;

/// <summary>What a campaign did and found: its epochs, every rig-hv handler site reached, the crashes, hangs and oracle violations.</summary>
public sealed record FuzzReport(string Target, ulong Seed, int Vcpus, TimeSpan Wall, IReadOnlyList<FuzzEpoch> Epochs, IReadOnlySet<FuzzSite> Sites, IReadOnlyList<FuzzFinding> Findings)
{
    public ulong Inputs => Epochs.Aggregate(0UL, (sum, e) => sum + e.Inputs);

    public double InputsPerSecond => Wall.TotalSeconds > 0 ? Inputs / Wall.TotalSeconds : 0;

    public int Count(FuzzOutcome outcome) => Epochs.Count(e => e.Outcome == outcome);

    public ulong InputsOf(int fuzzInterface) => Epochs.Aggregate(0UL, (sum, e) => sum + e.InputsPerInterface[fuzzInterface]);

    public int SitesOf(int fuzzInterface) => Sites.Count(s => s.FuzzInterface == fuzzInterface);

    /// <summary>Interfaces whose inputs ran and reached at least one handler site (resets: ran at all; they end in a reset, not a site).</summary>
    public IReadOnlyList<string> Covered =>
        [.. FuzzInterfaces.Names.Where((_, i) => InputsOf(i) > 0 && (SitesOf(i) > 0 || i == FuzzInterfaces.Weighted))];

    public ulong OracleChecks => Epochs.Aggregate(0UL, (sum, e) => sum + e.Oracles.Checks);

    public ulong CanaryChecks => Epochs.Aggregate(0UL, (sum, e) => sum + e.Oracles.CanaryChecks);

    /// <summary>Violations of one kind (1-based, <see cref="FuzzViolation.Kinds"/>) over all epochs.</summary>
    public ulong ViolationsOf(int kind) => Epochs.Aggregate(0UL, (sum, e) => sum + e.Oracles.ViolationsPerKind[kind - 1]);

    public ulong MemorySafetyViolations => Epochs.Aggregate(0UL, (sum, e) => sum + e.Oracles.MemorySafetyViolations);

    public int HostEventCommands => Epochs.Sum(e => e.Oracles.HostEventCommands);

    public int HostEventsAccepted => Epochs.Sum(e => e.Oracles.HostEventsAccepted);

    /// <summary>No crash, no hang, no violation.</summary>
    public bool Clean => Findings.Count == 0;
}
