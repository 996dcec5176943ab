using System.Diagnostics;
using Rig.Hosting;
using Rig.Tests.Cli;

namespace Rig.Tests.Faults;

/// <summary>The built `rig` running as a user runs it (RIG_ROOT at a checkout), while the test does something to it or to its VMMs.</summary>
public sealed class RigRun : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private RigRun(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The rig's own pid: setpriv and env exec it, so no wrapper stands between.</summary>
    public int Pid => _process.Id;

    public static async Task<RigRun> StartAsync(string checkout, params string[] args) =>
        new(await ChildProcesses.StartAsync("env", [$"COLUMNS=400", $"RIG_ROOT={checkout}", "dotnet", RigCli.Dll, .. args]));

    /// <returns>The exit code and stdout+stderr, with Spectre's line wrapping undone.</returns>
    public async Task<(int Code, string Output)> WaitAsync(TimeSpan bound)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            ChildProcesses.Kill(_process);
            throw new TimeoutException($"rig did not exit within {bound.TotalSeconds} s: {await _stdout}{await _stderr}");
        }

        return (_process.ExitCode, (await _stdout + await _stderr).Replace("\n", " ", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        ChildProcesses.Kill(_process);
        _process.Dispose();
    }
}
