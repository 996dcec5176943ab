namespace Rig.Plots;

/// <summary>A drawn plot: paths of its PNG and SVG, and of the tab-separated data it was drawn from (for other tools).</summary>
public sealed record Plot(string Title, string PngPath, string SvgPath, string DataPath);
