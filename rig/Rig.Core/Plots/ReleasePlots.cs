using Rig.Store;

namespace Rig.Plots;

/// <summary>Every plot of a release (DESIGN.md, "Plots and report"), drawn into one directory.</summary>
public static class ReleasePlots
{
    /// <param name="view">The release.</param>
    /// <param name="history">Releases for the trends, oldest first, ending with this one.</param>
    /// <param name="directory">Where images and data go, e.g. results/&lt;release&gt;/plots.</param>
    public static IReadOnlyList<Plot> Draw(ReleaseView view, IReadOnlyList<ReleaseView> history, string directory)
    {
        var specs = new List<PlotSpec>();
        if (PassFailMatrixPlot.Spec(view.Release, PassFailMatrix.Of(view)) is { } matrix)
        {
            specs.Add(matrix);
        }

        specs.AddRange(DriftPlot.Specs(view));
        specs.AddRange(LatencyCdfPlot.Specs(view));
        specs.AddRange(TrendPlot.Specs(history));
        return PlotRenderer.Render(directory, specs);
    }
}
