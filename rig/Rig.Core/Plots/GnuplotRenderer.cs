using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Rig.Plots;

/// <summary>
/// Writes each plot's data and script next to where its images go, then has one gnuplot process draw them
/// all, as PNG (pngcairo) and SVG. The scripts stand alone so a user can edit and re-plot one.
/// </summary>
public static class GnuplotRenderer
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    /// <param name="directory">Where data, scripts and images go.</param>
    /// <param name="specs">The plots.</param>
    /// <param name="gnuplot">The gnuplot executable, found on PATH by default.</param>
    public static IReadOnlyList<Plot> Render(string directory, IReadOnlyList<PlotSpec> specs, string gnuplot = "gnuplot")
    {
        Directory.CreateDirectory(directory);
        var plots = new List<Plot>();
        foreach (var spec in specs)
        {
            foreach (var (name, content) in spec.DataFiles)
            {
                File.WriteAllText(Path.Combine(directory, name), content);
            }

            var script = Path.Combine(directory, spec.Name + ".gp");
            File.WriteAllText(script, Script(spec));
            plots.Add(new Plot(spec.Title, Path.Combine(directory, spec.Name + ".png"), Path.Combine(directory, spec.Name + ".svg"), script));
        }

        if (plots.Count > 0)
        {
            RunGnuplot(gnuplot, directory, plots.Select(p => Path.GetFileName(p.ScriptPath)));
        }

        return plots;
    }

    private static string Script(PlotSpec spec)
    {
        var size = $"size {spec.Width},{spec.Height}";
        var script = new StringBuilder();
        script.AppendLine($"# {spec.Title.ReplaceLineEndings(" ")}");
        script.AppendLine($"# Re-plot from this directory: gnuplot {spec.Name}.gp");
        script.AppendLine("reset");
        script.AppendLine("set encoding utf8");
        script.AppendLine("set datafile separator \"\\t\"");
        script.AppendLine($"set terminal pngcairo noenhanced {size} font 'DejaVu Sans,10'");
        script.AppendLine($"set output {GnuplotText.Quote(spec.Name + ".png")}");
        script.AppendLine(spec.Commands.TrimEnd());
        script.AppendLine($"set terminal svg noenhanced {size} font 'DejaVu Sans,10' background '#ffffff'");
        script.AppendLine($"set output {GnuplotText.Quote(spec.Name + ".svg")}");
        script.AppendLine("replot");
        script.AppendLine("unset output");
        return script.ToString();
    }

    private static void RunGnuplot(string gnuplot, string directory, IEnumerable<string> scripts)
    {
        var start = new ProcessStartInfo(gnuplot)
        {
            WorkingDirectory = directory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var script in scripts)
        {
            start.ArgumentList.Add(script);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PlotException("gnuplot did not start");
        }
        catch (Win32Exception e)
        {
            throw new PlotException($"{gnuplot} cannot be run ({e.Message}): install Debian's gnuplot-nox (./run.sh installs it)", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new PlotException($"gnuplot did not finish within {Limit.TotalSeconds} s in {directory}");
            }

            process.WaitForExit();
            _ = stdout.Result;
            if (process.ExitCode != 0)
            {
                throw new PlotException($"gnuplot failed (exit {process.ExitCode}) in {directory}: {stderr.Result.Trim()}");
            }
        }
    }
}
