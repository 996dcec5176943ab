using Rig.Protocol;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time.Oracles;

/// <summary>
/// No reader computes time from a torn pvclock record. The version protocol (Xen public/xen.h vcpu_time_info, Linux
/// pvclock-abi.h: the version is odd while the hypervisor updates the record and changes with every update; a reader
/// retries on an odd version or one that changed while it copied) means one version names one update, so two copies a
/// reader accepted with the same version and different contents show that one of them was torn; and the time computed
/// from accepted copies never steps back on one vCPU. A clock whose readers never retried, and saw no torn copy,
/// never met a record mid-update: then nothing was tested, and the case cannot judge it.
/// </summary>
/// <remarks>
/// One <c>RIG torn clock=C cpu=N reads=N updates=N retries_odd=N retries_changed=N torn=N back=N worst_back_ns=N
/// [first_torn_version=V first_torn_was=NS first_torn_now=NS]</c> record per vCPU and clock (probes/TornRecord.cs).
/// </remarks>
public static class TornReads
{
    /// <summary>The numbers a `RIG torn` record must carry to be judged.</summary>
    public static readonly string[] Numbers = [TornReadsRecord.Cpu, TornReadsRecord.Reads, TornReadsRecord.Updates, TornReadsRecord.RetriesOdd, TornReadsRecord.RetriesChanged, TornReadsRecord.Torn, TornReadsRecord.Back, TornReadsRecord.WorstBackNs];

    /// <summary>Records that cannot be judged (damaged, or a number missing): the case errors on them.</summary>
    public static IReadOnlyList<Record> Unreadable(IEnumerable<Record> records) => [.. records.Where(r => !Readable.Has(r, Numbers))];

    public static IReadOnlyList<string> Check(IEnumerable<Record> records)
    {
        var problems = new List<string>();
        foreach (var r in records.Where(r => Readable.Has(r, Numbers)))
        {
            var what = $"{r[TornReadsRecord.Clock]} on vCPU {r[TornReadsRecord.Cpu]}";
            long torn = r.GetInt64(TornReadsRecord.Torn), back = r.GetInt64(TornReadsRecord.Back);
            if (torn > 0)
            {
                problems.Add($"{what}: {torn} of {r[TornReadsRecord.Reads]} copies the version protocol accepted were torn (first: version " +
                             $"{r[TornReadsRecord.FirstTornVersion]} read with system_time {r[TornReadsRecord.FirstTornWas]}, then {r[TornReadsRecord.FirstTornNow]})");
            }

            if (back > 0)
            {
                problems.Add($"{what}: time from accepted copies stepped back {back} times, worst {Human.Ns(r.GetDouble(TornReadsRecord.WorstBackNs))}");
            }
        }

        return problems;
    }

    /// <summary>The clocks whose readers never met a record mid-update (no retry, no torn copy on any vCPU).</summary>
    public static IReadOnlyList<string> Untested(IEnumerable<Record> records) =>
    [
        .. records.Where(r => Readable.Has(r, Numbers)).GroupBy(r => r[TornReadsRecord.Clock] ?? "")
            .Where(g => g.Sum(r => r.GetInt64(TornReadsRecord.RetriesOdd) + r.GetInt64(TornReadsRecord.RetriesChanged) + r.GetInt64(TornReadsRecord.Torn)) == 0)
            .Select(g => g.Key),
    ];

    /// <summary>Protocol retries of one clock over all its readers, the metric that shows how often they met an update.</summary>
    public static long Retries(IEnumerable<Record> records, string clock) =>
        records.Where(r => r[TornReadsRecord.Clock] == clock && Readable.Has(r, Numbers)).Sum(r => r.GetInt64(TornReadsRecord.RetriesOdd) + r.GetInt64(TornReadsRecord.RetriesChanged));
}
