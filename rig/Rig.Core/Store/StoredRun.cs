using Rig.Results;

namespace Rig.Store;

/// <summary>A run as the store holds it; <see cref="Ended"/> stays null when the run was killed before it finished.</summary>
public sealed record StoredRun(RunInfo Info, DateTimeOffset? Ended)
{
    public string RunId => Info.RunId;

    public bool IsMutate => Info.Defect is not null;
}
