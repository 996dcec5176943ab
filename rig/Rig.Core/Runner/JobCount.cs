using System.Globalization;

namespace Rig.Runner;

/// <summary>
/// The default of <c>rig run --jobs</c>: as many rows at once as the host has CPUs for, and memory for at
/// <see cref="MemoryPerJobMiB"/> each (a case boots up to a few 64 MiB guests, each VMM a process with its own
/// runtime). 1 is today's serial run.
/// </summary>
public static class JobCount
{
    public const long MemoryPerJobMiB = 1024;

    public static int Affordable(int cpus, long availableMemoryMiB) =>
        (int)Math.Max(1, Math.Min(cpus, availableMemoryMiB / MemoryPerJobMiB));

    /// <summary>For this host: the CPUs the rig may use and MemAvailable from /proc/meminfo.</summary>
    public static int AffordableHere() => Affordable(Hosting.ThreadAffinity.AllowedCpus().Count, AvailableMemoryMiB());

    private static long AvailableMemoryMiB()
    {
        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        return line is null ? MemoryPerJobMiB : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
