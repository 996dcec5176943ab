namespace Rig.Tests.Plots;

/// <summary>A test that draws with gnuplot; skipped, with the reason, where gnuplot is not installed.</summary>
public sealed class RequiresGnuplotFactAttribute : FactAttribute
{
    public RequiresGnuplotFactAttribute()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "gnuplot"))))
        {
            Skip = "gnuplot is not on PATH (Debian package gnuplot-nox)";
        }
    }
}
