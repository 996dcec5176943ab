namespace Rig.Plots;

/// <summary>Plots could not be drawn: gnuplot missing, failing or stuck. The message says which and how to fix it.</summary>
public sealed class PlotException(string message, Exception? inner = null) : Exception(message, inner);
