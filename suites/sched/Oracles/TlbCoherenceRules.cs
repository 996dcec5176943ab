using Rig.Protocol;
using Rig.Suites.Sched.Records;

namespace Rig.Suites.Sched.Oracles;

/// <summary>
/// tlb-coherence over the probes' records: once a vCPU has invalidated a translation after its paging-structure entry
/// changed (INVLPG or a CR3 write, SDM Vol. 3A 4.10.4.1), and every other vCPU has done the same in the handler of
/// the initiator's IPI and acknowledged (the shootdown of 4.10.5), no vCPU may read through the old translation. A `RIG stale` is such a read; every vCPU of
/// every VM must also have summed up with `RIG tlb`, and the remapping must have run at least one generation.
/// </summary>
public static class TlbCoherenceRules
{
    public const string Rule =
        "SDM Vol. 3A 4.10.4.1 and 4.10.5: after a paging-structure change, INVLPG or a CR3 write on every vCPU (an IPI shootdown) " +
        "leaves no vCPU a translation from before the change";

    public static IReadOnlyList<string> Check(IEnumerable<Record> records, IReadOnlyCollection<int> vms, int vcpusPerVm)
    {
        var list = records.ToList();
        var problems = new List<string>();
        foreach (var s in list.Where(r => r.Kind == StaleRecord.Kind))
        {
            long g = s.GetInt64(StaleRecord.Generation), seen = s.GetInt64(StaleRecord.Seen);
            string which = seen == g - 1 ? "the previous generation's page" : seen < g ? $"generation {seen}'s page" : $"a value never mapped ({seen})";
            problems.Add($"VM {s[StaleRecord.Vm]} vCPU {s[StaleRecord.Cpu]}: read {which} through the window in generation {g}, after its {s[StaleRecord.Invalidation]} and the shootdown");
        }

        var summaries = list.Where(r => r.Kind == TlbRecord.Kind).ToList();
        var done = summaries.Select(r => (Vm: (int)r.GetInt64(TlbRecord.Vm), Cpu: (int)r.GetInt64(TlbRecord.Cpu))).ToHashSet();
        foreach (int vm in vms)
        {
            for (int cpu = 0; cpu < vcpusPerVm; cpu++)
            {
                if (!done.Contains((vm, cpu)))
                {
                    problems.Add($"VM {vm} vCPU {cpu} never summed up its checks (no `RIG tlb`): it did not check to the end");
                }
            }
        }

        foreach (var r in summaries.Where(r => r.GetInt64(TlbRecord.Cpu) == 0 && r.GetInt64(TlbRecord.Generations) == 0))
        {
            problems.Add($"VM {r[TlbRecord.Vm]} remapped nothing (0 generations): nothing was checked");
        }

        return problems;
    }

    /// <summary>Remaps (each followed by a full shootdown) per second, summed over the VMs: the guests' rate.</summary>
    public static double GenerationsPerSecond(IEnumerable<Record> records) =>
        records.Where(r => r.Kind == TlbRecord.Kind && r.GetInt64(TlbRecord.Cpu) == 0 && r.GetDouble(TlbRecord.Us) > 0)
            .Sum(r => r.GetDouble(TlbRecord.Generations) / (r.GetDouble(TlbRecord.Us) / 1e6));
}
