using Rig.Config;
using Rig.Hosting;

namespace Rig.Tests.Cli;

/// <summary>Runs the built `rig` the way a user does, against a given checkout (RIG_ROOT set for the child only), with a bound.</summary>
public static class RigCli
{
    public static string Dll => Path.Combine(RepoRoot.Find(), "artifacts", "bin", "Rig.Cli", "debug", "rig.dll");

    /// <returns>The exit code and stdout+stderr with Spectre's line wrapping undone.</returns>
    public static async Task<(int Code, string Output)> RunAsync(string checkout, params string[] args)
    {
        var (code, stdout, stderr) = await ChildProcesses.RunAsync("env", [$"RIG_ROOT={checkout}", "dotnet", Dll, .. args], TimeSpan.FromSeconds(120));
        return (code, (stdout + stderr).Replace("\n", " ", StringComparison.Ordinal));
    }
}
