namespace Rig.Plots;

/// <summary>Plots could not be drawn (the drawing library could not load). The message says why and how to fix it.</summary>
public sealed class PlotException(string message, Exception? inner = null) : Exception(message, inner);
