namespace Rig.Compare;

/// <summary>
/// A target whose availability or version differs between the releases: context for every verdict change
/// on it (a target that became unavailable hides its cases; that is shown, never counted as passing).
/// </summary>
public sealed record TargetChange(
    string Target,
    bool? BaselineAvailable,
    bool? CurrentAvailable,
    string? BaselineVersion,
    string? CurrentVersion,
    string? CurrentReason);
