namespace Rig.Plots;

/// <summary>A pass/fail matrix cell. Unavailable and not-run are their own states, never shown as passing.</summary>
public enum CellStatus
{
    Ok,
    Fail,
    Error,
    Skip,
    Unavailable,
    NotRun,
}
