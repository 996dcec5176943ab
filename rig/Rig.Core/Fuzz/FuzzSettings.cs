namespace Rig.Fuzz;

/// <summary>
/// One <c>rig fuzz</c> campaign: how long, the seed every epoch's seed derives from, vCPUs per VM, the length of an
/// epoch (one VM), fixed weights (a replay) or null (steered by coverage), at most how many epochs, where the COM1 lines
/// go when the probe traces every input (null: no trace), and the bound on each QMP reply (past it the VMM is hung).
/// </summary>
public sealed record FuzzSettings(
    TimeSpan Duration,
    ulong Seed,
    int Vcpus,
    TimeSpan EpochLength,
    FuzzWeights? FixedWeights = null,
    int MaxEpochs = int.MaxValue,
    string? TraceLog = null)
{
    public TimeSpan QmpBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the host pings the VMM (reads the status block, asks for coverage) during an epoch.</summary>
    public TimeSpan PingPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Epoch 0 runs the campaign's seed itself (so a finding's seed replays as epoch 0); later ones a SplitMix64 of (seed, epoch).</summary>
    public ulong EpochSeed(int epoch)
    {
        if (epoch == 0)
        {
            return Seed;
        }

        ulong z = Seed + (ulong)epoch * 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return (z ^ (z >> 31)) & long.MaxValue;
    }
}
