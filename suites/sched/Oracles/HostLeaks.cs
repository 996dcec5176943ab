using Rig.Churn;

namespace Rig.Suites.Sched.Oracles;

/// <summary>
/// destroy-under-load's host side: destroying a VM must give back everything it held, so after the churn the rig has
/// the same VMM processes as before (the survivors), no more open fds than before beyond the runtime's own noise, and
/// the survivors' memory has not grown by a destroyed neighbour's worth.
/// </summary>
public static class HostLeaks
{
    public const string Rule =
        "a destroyed VM gives back its process, its fds (KVM VM/vCPU fds, QMP and serial sockets) and its memory; the " +
        "survivors' processes and memory do not change because a neighbour was destroyed";

    /// <summary>Fds the rig's runtime opens and closes on its own (thread pool, timers, sockets of the survivors' QMP traffic).</summary>
    public const int FdSlack = 16;

    /// <summary>Growth of the survivors' resident memory allowed over a churn: their own runtime's (GC heap, JIT), far below a guest's RAM.</summary>
    public const long RssSlackKiB = 64 * 1024;

    public static IReadOnlyList<string> Check(HostFootprint before, HostFootprint after, long cycles)
    {
        var problems = new List<string>();
        if (after.ChildProcesses > before.ChildProcesses)
        {
            problems.Add($"{after.ChildProcesses - before.ChildProcesses} VMM processes left behind after {cycles} destroyed VMs " +
                         $"({before.ChildProcesses} child processes before the churn, {after.ChildProcesses} after)");
        }

        if (after.RigFds > before.RigFds + FdSlack)
        {
            problems.Add($"the rig holds {after.RigFds - before.RigFds} more fds after {cycles} destroyed VMs ({before.RigFds} -> {after.RigFds}, " +
                         $"{FdSlack} allowed for its runtime)");
        }

        if (after.VmmRssKiB > before.VmmRssKiB + RssSlackKiB)
        {
            problems.Add($"the survivors' resident memory grew by {(after.VmmRssKiB - before.VmmRssKiB) / 1024} MiB over the churn " +
                         $"({RssSlackKiB / 1024} MiB allowed)");
        }

        return problems;
    }
}
