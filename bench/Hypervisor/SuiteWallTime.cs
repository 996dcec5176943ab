using System.Diagnostics;

namespace Rig.Bench.Hypervisor;

/// <summary>
/// Wall time of `rig run` (the default suites, as ./run.sh runs them) on the two targets rig-hv serves, reference and
/// reference-xen-pvh, with their binary replaced by <c>rigHv</c> through the environment (RIG_TARGETS__...__binary), into
/// a store of its own under /tmp so that no recorded result is touched. The run's live table goes to this bench's stderr.
/// </summary>
internal static class SuiteWallTime
{
    public static (double Seconds, int ExitCode) Measure(string root, string rigHv)
    {
        string store = Path.Combine(Path.GetTempPath(), $"rig-bench-suites-{Environment.ProcessId}.db");
        var start = new ProcessStartInfo("dotnet",
            [Path.Combine(root, "artifacts/bin/Rig.Cli/debug/rig.dll"), "run", "--target", "reference,reference-xen-pvh", "--store", store])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        start.Environment["RIG_TARGETS__reference__binary"] = rigHv;
        start.Environment["RIG_TARGETS__reference-xen-pvh__binary"] = rigHv;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        process.OutputDataReceived += (_, line) => Console.Error.WriteLine(line.Data);
        process.BeginOutputReadLine();
        process.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        File.Delete(store);
        return (seconds, process.ExitCode);
    }
}
