using System.Diagnostics;
using System.Globalization;

namespace Rig.Bench.Hypervisor;

/// <summary>
/// A VMM's memory beyond guest RAM: <paramref name="count"/> processes each boot an idle guest (one byte, then HLT with
/// interrupts off) and stay up; once every one has printed, each one's /proc/PID/smaps is read and the guest RAM mapping
/// (the anonymous mapping exactly the guest's size) is taken out of its Rss and Pss. Pss divides the pages the processes
/// share (the runtime's and QEMU's libraries) among them, so it is the per-VM cost when many run; Rss counts them in each.
/// </summary>
internal static class VmmFootprint
{
    private const long GuestRamKb = 64 << 10;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    /// <summary>Per VM, mean over the processes, in MiB: Rss and Pss beyond guest RAM, and the guest RAM the guest touched. Null if a VM did not come up.</summary>
    public static (double RssMiB, double PssMiB, double GuestMiB)? Measure(ChildVmm vmm, string idleImage, int count)
    {
        var processes = new List<Process>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var start = new ProcessStartInfo(vmm.Program, vmm.Arguments(idleImage))
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {vmm.Program}");
                processes.Add(process);
                process.ErrorDataReceived += (_, _) => { };
                process.BeginErrorReadLine();
            }

            var firstBytes = processes.Select(p => p.StandardOutput.BaseStream.ReadAsync(new byte[1]).AsTask()).ToArray();
            if (!Task.WaitAll(firstBytes, Limit) || firstBytes.Any(read => read.Result != 1))
            {
                return null;
            }

            var maps = processes.Select(p => Smaps(p.Id)).ToList();
            return (maps.Average(m => m.Rss - m.GuestRss) / 1024, maps.Average(m => m.Pss - m.GuestRss) / 1024, maps.Average(m => m.GuestRss) / 1024);
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                process.Dispose();
            }
        }
    }

    /// <summary>Totals of Rss and Pss (kB) over every mapping, and the Rss of the guest RAM mapping (0 if none was found).</summary>
    private static (long Rss, long Pss, long GuestRss) Smaps(int pid)
    {
        long rss = 0, pss = 0, guestRss = 0, size = 0;
        bool anonymous = false;
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                // A mapping's header: "start-end perms offset dev inode [path]"; anonymous when there is no path.
                anonymous = fields.Length == 5;
                continue;
            }

            switch (fields)
            {
                case ["Size:", var kb, "kB"]:
                    size = long.Parse(kb, CultureInfo.InvariantCulture);
                    break;
                case ["Rss:", var kb, "kB"]:
                    long mappingRss = long.Parse(kb, CultureInfo.InvariantCulture);
                    rss += mappingRss;
                    if (anonymous && size == GuestRamKb)
                    {
                        guestRss = Math.Max(guestRss, mappingRss);
                    }

                    break;
                case ["Pss:", var kb, "kB"]:
                    pss += long.Parse(kb, CultureInfo.InvariantCulture);
                    break;
            }
        }

        return (rss, pss, guestRss);
    }
}
