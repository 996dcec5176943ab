using Rig.Cases;
using Rig.Protocol;
using Rig.Results;

namespace Rig.Suites.Apic;

/// <summary>How this suite's cases read the probes' records; shared so every case reads them alike.</summary>
internal static class Observations
{
    /// <summary>
    /// The `RIG dirty` record the same vCPU printed last before <paramref name="after"/>: what the reset had to clear.
    /// An AP restarted by INIT-SIPI arrives in the runtime again under a new index, so an `after=init` dump pairs with
    /// the last dirty record of an AP (any vCPU but the BSP, 0).
    /// </summary>
    public static Record? DirtyBefore(IReadOnlyList<Record> records, Record after)
    {
        Record? last = null;
        foreach (var r in records)
        {
            if (ReferenceEquals(r, after))
            {
                return last;
            }

            bool sameVcpu = after["after"] == "init" ? r[Records.DirtyRecord.Cpu] != "0" : r[Records.DirtyRecord.Cpu] == after["cpu"];
            if (r.Kind == Records.DirtyRecord.Kind && sameVcpu)
            {
                last = r;
            }
        }

        return last;
    }

    /// <summary>
    /// Whether the previous boot really left the LAPIC dirty: the clock vector in service (SDM 12.8.4: accepting an
    /// interrupt sets its ISR bit until EOI). A LAPIC that never sets ISR cannot hold a stale vector across a reset,
    /// and it breaks the SDM on its own: the case reports that as a failure with this record as evidence.
    /// </summary>
    public static bool ClockVectorInService(Record dirty, int vector) =>
        dirty[Records.DirtyRecord.Isr] is { } isr && Oracles.VectorSet.Parse(isr) is { } set && set.Contains(vector);
}
