namespace Rig.Fuzz;

/// <summary>
/// A crash or hang of the hypervisor: the epoch's seed and weights (with them the probe replays the same inputs on every
/// vCPU), the command that replays it with every input traced on COM1, the inputs the vCPUs were on at the last ping,
/// and the evidence.
/// </summary>
public sealed record FuzzFinding(int Epoch, ulong Seed, FuzzWeights Weights, FuzzOutcome Outcome, string Evidence, string ReplayCommand, IReadOnlyList<string> LastInputs);
