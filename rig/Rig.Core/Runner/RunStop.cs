using Rig.Hosting;

namespace Rig.Runner;

/// <summary>
/// Why the run in this process is stopping early (Ctrl-C, SIGTERM, a results store that can no longer write), or null.
/// The first reason wins. Stopping kills every VMM at once and refuses new ones, so the cases in flight end within
/// seconds; the runner takes no further row, and each result published from then on is an error naming the reason
/// (a case whose VMM the rig killed must not read as the target's failure).
/// </summary>
public static class RunStop
{
    private static string? reason;
    private static int armed;

    public static string? Reason => Volatile.Read(ref reason);

    /// <summary>Whether a run has started in this process, so that a signal stops it rather than the process.</summary>
    public static bool Armed => Volatile.Read(ref armed) != 0;

    public static void Arm() => Volatile.Write(ref armed, 1);

    /// <summary>Records <paramref name="why"/> and stops every VMM; false when the run was already stopping.</summary>
    public static bool Request(string why)
    {
        if (Interlocked.CompareExchange(ref reason, why, null) is not null)
        {
            return false;
        }

        ChildProcesses.Refuse(why);
        return true;
    }
}
