using System.Diagnostics;
using System.Globalization;

namespace Rig.Bench.Hypervisor;

/// <summary>
/// The PIO-exit ratio to the C VMM for one rig-hv binary, by running bench/PioExit (which owns the guest, pio_vmm.c and the
/// CPU-time method) with --rig-hv and taking its median ratio by CPU time.
/// </summary>
internal static class PioExitRatio
{
    private const string RatioLine = "ratio rig-hv / pio_vmm by CPU time:";

    /// <summary>The ratio, or NaN with PioExit's output on stderr if it did not print one.</summary>
    public static double Measure(string root, string rigHv, int iterations, int repeats)
    {
        string bench = Path.Combine(root, "artifacts/bin/Rig.Bench.PioExit/debug/Rig.Bench.PioExit.dll");
        if (!File.Exists(bench))
        {
            Console.Error.WriteLine($"  {bench} not built: build bench/PioExit");
            return double.NaN;
        }

        var start = new ProcessStartInfo("dotnet",
            [bench, "--rig-hv", rigHv, "--iterations", iterations.ToString(CultureInfo.InvariantCulture), "--repeats", repeats.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = stdout.Split('\n').FirstOrDefault(l => l.Contains(RatioLine, StringComparison.Ordinal));
        string? median = line?.Split("median ").ElementAtOrDefault(1)?.Split(' ')[0];
        if (median is not null && double.TryParse(median, CultureInfo.InvariantCulture, out double ratio))
        {
            return ratio;
        }

        Console.Error.WriteLine($"  PioExit gave no ratio for {rigHv}:\n{stdout}{stderr.Result}");
        return double.NaN;
    }
}
