namespace Rig.Plots;

/// <summary>A drawn plot: paths of its PNG and SVG, and of the script and data that re-draw it (<c>gnuplot NAME.gp</c>).</summary>
public sealed record Plot(string Title, string PngPath, string SvgPath, string ScriptPath);
