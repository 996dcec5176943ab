using System.Diagnostics;
using Rig.Hosting;
using Rig.Qmp;

namespace Rig.Tests.Targets;

/// <summary>
/// A bare QEMU (TCG, microvm, no image: the CPU just halts in firmware) serving QMP on a socket, for testing the
/// QMP client against the real server. TCG so the test needs no /dev/kvm.
/// </summary>
public sealed class QemuProcess : IAsyncDisposable
{
    private readonly string _directory;

    private QemuProcess(Process process, string directory, QmpClient qmp)
    {
        Process = process;
        _directory = directory;
        Qmp = qmp;
    }

    public Process Process { get; }

    public QmpClient Qmp { get; }

    public static async Task<QemuProcess> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("rig-qmp-").FullName;
        var socket = Path.Combine(dir, "qmp");
        var process = await ChildProcesses.StartAsync(RequiresQemuFactAttribute.Qemu,
        [
            "-machine", "microvm", "-accel", "tcg", "-m", "32M", "-nodefaults", "-display", "none",
            "-qmp", $"unix:{socket},server=on,wait=off",
        ]);
        try
        {
            var qmp = await QmpClient.ConnectAsync(socket, TimeSpan.FromSeconds(20), CancellationToken.None);
            return new QemuProcess(process, dir, qmp);
        }
        catch
        {
            ChildProcesses.Kill(process);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync();
        ChildProcesses.Kill(Process);
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
