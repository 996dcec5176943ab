using System.Diagnostics;
using System.Globalization;

namespace Rig.Bench.Hypervisor;

/// <summary>
/// Spawn → first COM1 byte of a <see cref="ChildVmm"/> process, and for rig-hv the moments its start reached each stage
/// (rig-hv --trace-start prints them on CLOCK_MONOTONIC, the clock <see cref="Stopwatch"/> reads here, so they are put
/// on the spawn's time line).
/// </summary>
internal static class SpawnTiming
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>A stage of rig-hv's start: wall ms from the spawn, and the CPU ms rig-hv had used by then.</summary>
    public sealed record Stage(string Name, double Ms, double CpuMs);

    /// <summary>Milliseconds from just before the spawn to the first byte on stdout (NaN: none came), and the stages.</summary>
    public static (double FirstByteMs, IReadOnlyList<Stage> Stages) Measure(ChildVmm vmm, string image)
    {
        var start = new ProcessStartInfo(vmm.Program, vmm.Arguments(image))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (vmm.IsRigHv)
        {
            start.ArgumentList.Add("--trace-start");
        }

        long spawned = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {vmm.Program}");
        var stderr = process.StandardError.ReadToEndAsync();
        var read = process.StandardOutput.BaseStream.ReadAsync(new byte[1]).AsTask();
        double ms = read.Wait(Limit) && read.Result == 1 ? Stopwatch.GetElapsedTime(spawned).TotalMilliseconds : double.NaN;
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
        }

        double spawnedNs = spawned * (1e9 / Stopwatch.Frequency);
        var stages = stderr.Result.Split('\n')
            .Select(line => line.Split(' '))
            .Where(f => f is ["rig-hv:", "start", _, _, _])
            .Select(f => new Stage(f[2], (long.Parse(f[3], CultureInfo.InvariantCulture) - spawnedNs) / 1e6, long.Parse(f[4], CultureInfo.InvariantCulture) / 1e6))
            .ToList();
        return (ms, stages);
    }
}
