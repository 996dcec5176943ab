namespace Rig.Plots;

/// <summary>Draws each plot in process with ScottPlot (SkiaSharp underneath) as PNG and SVG, and writes its data beside them.</summary>
public static class PlotRenderer
{
    /// <param name="directory">Where images and data go.</param>
    /// <param name="specs">The plots.</param>
    public static IReadOnlyList<Plot> Render(string directory, IReadOnlyList<PlotSpec> specs)
    {
        Directory.CreateDirectory(directory);
        var plots = new List<Plot>();
        foreach (var spec in specs)
        {
            var plot = new Plot(spec.Title, Path.Combine(directory, spec.Name + ".png"), Path.Combine(directory, spec.Name + ".svg"),
                Path.Combine(directory, spec.Name + ".tsv"));
            File.WriteAllText(plot.DataPath, spec.Data);
            var drawing = new ScottPlot.Plot();
            try
            {
                spec.Draw(drawing);
                drawing.SavePng(plot.PngPath, spec.Width, spec.Height);
                drawing.SaveSvg(plot.SvgPath, spec.Width, spec.Height);
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
            {
                // SkiaSharp's native library ships in the SkiaSharp.NativeAssets.Linux.NoDependencies package; a build
                // that lost it (a trimmed copy, another RID) cannot draw at all.
                throw new PlotException($"ScottPlot could not load SkiaSharp's native library to draw {spec.Name} ({e.Message}); " +
                    "rebuild the rig (./run.sh) so its runtimes/ folder is complete", e);
            }

            plots.Add(plot);
        }

        return plots;
    }
}
