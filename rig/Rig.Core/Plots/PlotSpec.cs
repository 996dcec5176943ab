namespace Rig.Plots;

/// <summary>
/// One plot before drawing: its file name (without extension), a title for the report, what draws it onto a ScottPlot
/// plot, the data it shows as tab-separated text with a header line, and a size fitted to its content.
/// </summary>
public sealed record PlotSpec(
    string Name,
    string Title,
    Action<ScottPlot.Plot> Draw,
    string Data,
    int Width = 900,
    int Height = 560);
