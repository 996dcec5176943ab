using Rig.Hosting;

namespace Rig.Config;

/// <summary>The release a run is filed under when none is given: what git says the checkout is.</summary>
public static class ReleaseName
{
    public const string Fallback = "dev";

    public static string Default(string repoRoot)
    {
        try
        {
            var (code, stdout, _) = ChildProcesses.RunAsync("git", ["-C", repoRoot, "describe", "--always", "--dirty"], TimeSpan.FromSeconds(10))
                .GetAwaiter().GetResult();
            var name = stdout.Trim();
            return code == 0 && name.Length > 0 ? name : Fallback;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return Fallback;
        }
    }
}
