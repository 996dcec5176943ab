using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;
using Rig.Targets;

namespace Rig.Suites.NmiMce;

/// <summary>How this suite's cases read a probe's event trace; shared so every case reads it alike.</summary>
internal static class NmiTrace
{
    /// <summary>The trace as evidence and as events; an empty trace makes the case an error (the probe saw nothing).</summary>
    public static IReadOnlyList<TraceEvent> Read(RigCase c, VmExit exit)
    {
        var records = c.Records;
        foreach (var r in records.Where(r => r.Kind is "ev" or "ev-summary"))
        {
            c.Evidence("observed: " + r.Line);
        }

        var trace = TraceEvent.FromRecords(records);
        if (trace.Count == 0)
        {
            c.JudgeProbeVerdicts();
            c.Error($"the probe printed no event trace; {exit}");
            c.Complete();
        }

        return trace;
    }

    /// <summary>The first request the host refused (err) or never answered, as text; null when all were acknowledged.</summary>
    public static string? RefusedInjection(IReadOnlyList<TraceEvent> trace) =>
        trace.FirstOrDefault(e => e.What == TraceWhat.Request && e.Value != 0) is { } e
            ? $"request {e} was answered {(e.Value == 1 ? "err" : "with nothing (timeout)")}"
            : null;
}
