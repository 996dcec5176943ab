namespace Rig.Plots;

/// <summary>
/// One plot before drawing: its file name (without extension), a title for the report, the gnuplot commands
/// that draw it and the data files they read (name → tab-separated content), sized for its content.
/// </summary>
public sealed record PlotSpec(
    string Name,
    string Title,
    string Commands,
    IReadOnlyDictionary<string, string> DataFiles,
    int Width = 900,
    int Height = 560);
