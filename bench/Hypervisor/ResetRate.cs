using System.Diagnostics;
using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Vm;

namespace Rig.Bench.Hypervisor;

/// <summary>
/// Machine resets per second. The guest (<see cref="BenchGuests.ResetLoop"/>) prints at its first boot and exits after
/// <c>resets</c> more, so the time from that byte to the exit is the resets alone, without the VM's start. Measured two
/// ways, each saying what it divides by: a VMM as a child process, by wall time only (its CPU is not visible here once
/// it has exited); rig-hv in this process, by wall time and by the CPU time this process used meanwhile. On a loaded
/// host the wall rate is mostly the time the VM waited for a CPU; the CPU rate is what the reset path costs.
/// </summary>
internal static class ResetRate
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(300);

    /// <summary>Resets per second of wall time of a child VMM, or NaN if the guest did not print, or did not end with isa-debug-exit 0 (status 1).</summary>
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

    /// <summary>
    /// rig-hv's resets in this process: per second of wall time and per second of this process's CPU time, from the first
    /// boot's byte to the exit (NaN, NaN if the guest did not get there). A first, short loop runs before, so that the
    /// JIT's compiling of the reset path is not counted.
    /// </summary>
    public static (double PerWallSecond, double PerCpuSecond) MeasureInProcess(byte[] warmUpImage, byte[] image, int resets)
    {
        RunInProcess(warmUpImage);
        var (wall, cpu, status) = RunInProcess(image);
        return status == 1 ? (resets / wall.TotalSeconds, resets / cpu.TotalSeconds) : (double.NaN, double.NaN);
    }

    private static (TimeSpan Wall, TimeSpan Cpu, int? Status) RunInProcess(byte[] image)
    {
        long firstBoot = 0;
        var cpuAtFirstBoot = TimeSpan.Zero;
        using var vm = new VirtualMachine(new VmOptions
        {
            Image = PvhElfImage.Parse(image),
            Timeout = Limit,
            Log = _ => { },
            Com1 = _ =>
            {
                cpuAtFirstBoot = Environment.CpuUsage.TotalTime;
                Volatile.Write(ref firstBoot, Stopwatch.GetTimestamp());
            },
        });
        vm.Start();
        int? status = vm.WaitForExit(Limit + TimeSpan.FromSeconds(10));
        var cpu = Environment.CpuUsage.TotalTime - cpuAtFirstBoot;
        var wall = Stopwatch.GetElapsedTime(Volatile.Read(ref firstBoot));
        return firstBoot == 0 ? (TimeSpan.Zero, TimeSpan.Zero, null) : (wall, cpu, status);
    }
}
