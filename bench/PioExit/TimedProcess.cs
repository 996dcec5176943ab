using System.Diagnostics;

namespace Rig.Bench.PioExit;

/// <summary>
/// One child process run to completion under a deadline, with its wall time, the CPU time it used (user + system, all its
/// threads) and its output. Children must run one at a time for <see cref="CpuTime"/> to be this child's alone.
/// </summary>
internal sealed record TimedProcess(int ExitCode, TimeSpan Elapsed, TimeSpan CpuTime, string Stdout, string Stderr)
{
    public static async Task<TimedProcess> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var cpuBefore = ChildCpuTime.Read();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} did not finish within {timeout.TotalSeconds:F0} s; killed");
        }

        clock.Stop();
        return new TimedProcess(process.ExitCode, clock.Elapsed, ChildCpuTime.Read() - cpuBefore, await stdout, await stderr);
    }
}
