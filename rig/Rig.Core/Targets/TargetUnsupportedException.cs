namespace Rig.Targets;

/// <summary>The target has no way to do <see cref="Action"/>; <see cref="Reason"/> is one word for the COM2 ack (<c>err reason=...</c>).</summary>
public sealed class TargetUnsupportedException(string target, string action, string reason)
    : Exception($"{target} cannot {action}: {reason}")
{
    public string Action { get; } = action;

    public string Reason { get; } = reason;
}
