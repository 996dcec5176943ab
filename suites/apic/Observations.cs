using Rig.Cases;
using Rig.Protocol;
using Rig.Results;

namespace Rig.Suites.Apic;

/// <summary>How this suite's cases read the probes' records; shared so every case reads them alike.</summary>
internal static class Observations
{
    /// <summary>The `RIG dirty` record the same vCPU printed last before <paramref name="after"/>: what the reset had to clear.</summary>
    public static Record? DirtyBefore(IReadOnlyList<Record> records, Record after)
    {
        Record? last = null;
        foreach (var r in records)
        {
            if (ReferenceEquals(r, after))
            {
                return last;
            }

            if (r.Kind == "dirty" && r["cpu"] == after["cpu"])
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
        dirty["isr"] is { } isr && Oracles.VectorSet.Parse(isr) is { } set && set.Contains(vector);

    /// <summary>A probe that hit an error (an unexpected exception, no CMOS) could not observe: the case errors, never passes.</summary>
    public static void ProbeErrors(RigCase c)
    {
        foreach (var error in c.Records.Where(r => r.Kind == Verdict.Error.ToWire()))
        {
            c.Error("the probe hit an error: " + error.Line);
        }
    }

    /// <summary>A reset path the target lacks (the probe's `RIG skip ... reason=reset-had-no-effect`) is evidence, not a verdict.</summary>
    public static void NoteProbeSkips(RigCase c)
    {
        foreach (var skip in c.Records.Where(r => r.Kind == Verdict.Skip.ToWire()))
        {
            c.Evidence($"note: {skip.Case}: {skip["reason"]} (the host reset was used instead)");
        }
    }
}
