namespace Rig.Cases;

/// <summary>
/// On a case's fixture: its verdict depends on the host being otherwise idle (it measures timing a neighbour's VM
/// would disturb, or it loads or churns the host itself and would disturb them), so <c>rig run --jobs N</c> runs it
/// with nothing beside it and leaves its VMs unpinned. The reason is shown in the run's progress.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class QuietHostAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
