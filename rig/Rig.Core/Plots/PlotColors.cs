namespace Rig.Plots;

/// <summary>The colours of the matrix cells, shared by the matrix image and the HTML report so they agree.</summary>
public static class PlotColors
{
    public static string Of(CellStatus status) => status switch
    {
        CellStatus.Ok => "#2e9e44",
        CellStatus.Fail => "#d62728",
        CellStatus.Error => "#ff7f0e",
        CellStatus.Skip => "#9e9e9e",
        CellStatus.Unavailable => "#d9d9d9",
        _ => "#ffffff",
    };

    public static string Label(CellStatus status) => status switch
    {
        CellStatus.NotRun => "not run",
        _ => status.ToString().ToLowerInvariant(),
    };
}
