using System.Diagnostics;
using System.Text;

namespace Rig.Probes.Host;

/// <summary>Boots a probe on a target with a hard timeout and collects COM1 from stdout.</summary>
public static class ProbeRunner
{
    public static ProbeRun Run(ProbeTarget target, string image, int cpus, string append, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(target.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in target.Arguments(image, cpus, append))
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {target.Executable}");
        TimeSpan? firstByte = null;
        var com1 = new MemoryStream();
        Task reader = Task.Run(() =>
        {
            var buffer = new byte[4096];
            Stream stdout = process.StandardOutput.BaseStream;
            int n;
            while ((n = stdout.Read(buffer, 0, buffer.Length)) > 0)
            {
                firstByte ??= clock.Elapsed;
                com1.Write(buffer, 0, n);
            }
        });
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        bool exited = process.WaitForExit(timeout);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        reader.Wait(TimeSpan.FromSeconds(5));
        string text = Encoding.ASCII.GetString(com1.ToArray());
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        return new ProbeRun(exited ? process.ExitCode : -1, lines, firstByte, !exited, stderr.Wait(TimeSpan.FromSeconds(5)) ? stderr.Result : "");
    }
}
