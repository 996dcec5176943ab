using Rig.Cases;
using Rig.Hosting;
using Rig.Suites.NmiMce.Oracles;
using Rig.Suites.NmiMce.Records;
using Rig.Targets;

namespace Rig.Suites.NmiMce;

/// <summary>How this suite's cases read a probe's event trace; shared so every case reads it alike.</summary>
internal static class NmiTrace
{
    /// <summary>The trace as evidence and as events; an empty trace makes the case an error (the probe saw nothing).</summary>
    public static IReadOnlyList<TraceEvent> Read(RigCase c, VmExit exit)
    {
        var records = c.Records;
        foreach (var r in records.Where(r => r.Kind is TraceEventRecord.Kind or TraceSummaryRecord.Kind))
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

    /// <summary>
    /// The reference is rig-hv on the host's KVM. Under kvm_pvm, guest code at CPL3 runs natively and the host raises
    /// #UD for INT n before rig-hv can see it (docs/notes/nmi-mce.md), so there the reference cannot offer a software
    /// interrupt at all: that is reported as unavailable with its reason, never as a pass and never as the reference's
    /// failure. Any other target that faults on INT n is judged, and fails.
    /// </summary>
    public static bool SkipWhereTheReferenceHostRefusesIntN(RigCase c, IReadOnlyList<TraceEvent> trace)
    {
        if (c.TargetKind != "reference" || HostFactsProbe.Collect().KvmModule != "kvm_pvm"
            || trace.FirstOrDefault(e => e.What == TraceWhat.Int && e.Value != 0) is not { } fault)
        {
            return false;
        }

        c.Evidence($"observed: {fault}");
        c.Skip($"unavailable on the reference here: its host KVM (kvm_pvm) raised {TraceEvent.ExceptionName(fault.Value)} for INT n at " +
               "CPL3 before rig-hv saw it, so rig-hv cannot deliver a software interrupt on this host");
        c.Complete();
        return true;
    }
}
