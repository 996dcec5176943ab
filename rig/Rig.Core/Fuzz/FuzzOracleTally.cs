namespace Rig.Fuzz;

/// <summary>
/// What the oracles beyond survival judged in one epoch (all boots): answers judged (hypercalls with a pointer outside
/// RAM, event-channel rules), canary quadwords compared (the probe's and the host's), violations per kind (kind 1 first,
/// <see cref="FuzzViolation.Kinds"/>) with each vCPU's first, and the host-side event-channel commands sent and carried out.
/// </summary>
public sealed record FuzzOracleTally(
    ulong Checks,
    ulong CanaryChecks,
    IReadOnlyList<ulong> ViolationsPerKind,
    IReadOnlyList<FuzzViolation> FirstViolations,
    int HostEventCommands,
    int HostEventsAccepted)
{
    public static FuzzOracleTally None { get; } = new(0, 0, new ulong[FuzzViolation.Kinds.Count], [], 0, 0);

    public ulong Violations => ViolationsPerKind.Aggregate(0UL, (sum, n) => sum + n);

    public ulong MemorySafetyViolations => ViolationsPerKind.Select((n, k) => FuzzViolation.IsMemorySafety(k + 1) ? n : 0).Aggregate(0UL, (sum, n) => sum + n);
}
