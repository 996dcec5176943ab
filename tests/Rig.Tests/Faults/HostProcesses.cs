using System.Diagnostics;

namespace Rig.Tests.Faults;

/// <summary>
/// What /proc says about the processes a test's rig started: found by a path only they carry on their command line
/// (the test's throwaway checkout), so a test sees its own VMMs and nobody else's on a machine shared with other runs.
/// </summary>
public static class HostProcesses
{
    /// <summary>Live processes whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> Mentioning(string text) =>
        [.. Directory.GetDirectories("/proc").Select(Path.GetFileName)
            .Select(d => int.TryParse(d, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && pid != Environment.ProcessId && CommandLine(pid).Contains(text, StringComparison.Ordinal))];

    /// <summary>Waits up to <paramref name="bound"/> for a process whose command line contains <paramref name="text"/> and starts with <paramref name="program"/>.</summary>
    public static async Task<int> WaitForAsync(string program, string text, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < bound)
        {
            if (Mentioning(text).FirstOrDefault(pid => CommandLine(pid).StartsWith(program, StringComparison.Ordinal)) is var pid and > 0)
            {
                return pid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no {program} mentioning {text} within {bound.TotalSeconds} s");
    }

    /// <summary>
    /// Waits until <paramref name="pid"/> holds <paramref name="count"/> connected Unix sockets (/proc/net/unix state 03,
    /// SS_CONNECTED): for a VMM, its QMP, COM1 and COM2 are all connected to the rig, so the case is under way.
    /// </summary>
    public static async Task WaitForConnectedSocketsAsync(int pid, int count, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (ConnectedUnixSockets(pid) < count)
        {
            if (clock.Elapsed > bound || !IsRunning(pid))
            {
                throw new TimeoutException($"process {pid} did not connect {count} Unix sockets within {bound.TotalSeconds} s");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits up to <paramref name="bound"/> for every process mentioning <paramref name="text"/> to be gone; returns those left.</summary>
    public static async Task<IReadOnlyList<string>> LeftBehindAsync(string text, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (Mentioning(text).Count > 0 && clock.Elapsed < bound)
        {
            await Task.Delay(100);
        }

        return [.. Mentioning(text).Select(pid => $"{pid}: {CommandLine(pid)}")];
    }

    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    // A killed child stays a zombie until reaped; "running" means it still has a command line.
    public static bool IsRunning(int pid) => CommandLine(pid).Length > 0;

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static int ConnectedUnixSockets(int pid)
    {
        HashSet<string> inodes;
        try
        {
            inodes = [.. Directory.GetFiles($"/proc/{pid}/fd").Select(ReadLink)
                .Where(t => t.StartsWith("socket:[", StringComparison.Ordinal)).Select(t => t[8..^1])];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        // /proc/net/unix: Num RefCount Protocol Flags Type St Inode [Path]
        return File.ReadLines("/proc/net/unix").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length >= 7 && f[5] == "03" && inodes.Contains(f[6]));
    }

    private static string ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget ?? "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
