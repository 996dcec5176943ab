namespace Rig.Targets;

/// <summary>Whether a target can run here; when it cannot, <see cref="Reason"/> says why in words a user can act on.</summary>
public sealed record TargetAvailability(bool Available, string? Reason, string Version)
{
    public static TargetAvailability Unavailable(string reason, string version = "") => new(false, reason, version);

    public static TargetAvailability Ready(string version) => new(true, null, version);
}
