using System.Diagnostics;

namespace Rig.Bench.Hypervisor;

/// <summary>
/// Machine resets per second of a <see cref="ChildVmm"/> process: the guest (<see cref="BenchGuests.ResetLoop"/>) prints at
/// its first boot and exits after <c>resets</c> more, so the time from that byte to the process's exit is the resets
/// alone, without the process's start.
/// </summary>
internal static class ResetRate
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(300);

    /// <summary>Resets per second, or NaN if the guest did not print, or did not end with isa-debug-exit 0 (status 1).</summary>
    public static double Measure(ChildVmm vmm, string image, int resets)
    {
        var start = new ProcessStartInfo(vmm.Program, vmm.Arguments(image))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {vmm.Program}");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var read = process.StandardOutput.BaseStream.ReadAsync(new byte[1]).AsTask();
        if (!read.Wait(Limit) || read.Result != 1)
        {
            process.Kill(entireProcessTree: true);
            return double.NaN;
        }

        long firstBoot = Stopwatch.GetTimestamp();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            return double.NaN;
        }

        double seconds = Stopwatch.GetElapsedTime(firstBoot).TotalSeconds;
        return process.ExitCode == 1 ? resets / seconds : double.NaN;
    }
}
