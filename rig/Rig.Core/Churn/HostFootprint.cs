using System.Globalization;

namespace Rig.Churn;

/// <summary>
/// What the rig's side of the host holds at one moment, from /proc: its child processes (VMMs), its own open fds, and
/// the resident memory of a set of VMM processes. Measured before and after a churn, a destroyed VM that left anything
/// behind shows as a difference (issue 16, destroy-under-load).
/// </summary>
public sealed record HostFootprint(int ChildProcesses, int RigFds, long VmmRssKiB)
{
    /// <summary>Measures now; <paramref name="vmmPids"/> are the processes whose memory is summed (those still alive).</summary>
    public static HostFootprint Measure(IEnumerable<int> vmmPids) =>
        new(ChildrenOf(Environment.ProcessId), Directory.GetFiles("/proc/self/fd").Length, vmmPids.Sum(RssKiB));

    private static int ChildrenOf(int parent)
    {
        int count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so fields count from the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length > 1 && int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    count++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }

        return count;
    }

    private static long RssKiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
