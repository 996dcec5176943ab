using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The LAPIC's priority rules, SDM Vol. 3A §12.8.3.1 "Task and Processor Priorities": the processor priority
/// class is max(TPR class, class of the highest in-service vector); a requested vector is dispatched only if
/// its class is above it, otherwise it waits in IRR. EOI clears the highest ISR bit (§12.8.5), after which
/// the next requested vector may be dispatched.
/// </summary>
/// <remarks>
/// The probe walks a fixed script and prints one <c>RIG prio</c> record per step with what it observed:
/// <c>step=NAME delivered=none|0x50|0x51+0x61 (vectors handled during the step, in order) ppr=0x.. isr=0x..(64) irr=0x..(64)</c>.
/// The expectations below are the SDM's, not any hypervisor's.
/// </remarks>
public static class PriorityRules
{
    /// <summary>What each step must show. Vectors: 0x50 and 0x51 share class 5; 0x61 is class 6; 0x65 is class 6.</summary>
    public static readonly IReadOnlyList<PriorityStep> Script =
    [
        new("first", "self-IPI 0x50, handler takes it and does not EOI", Delivered: [0x50], PprClass: 0x50, InService: [0x50], Requested: []),
        new("same-class-held", "self-IPI 0x51 while 0x50 is in service: same class, held in IRR", Delivered: [], PprClass: 0x50, InService: [0x50], Requested: [0x51]),
        new("higher-class-preempts", "self-IPI 0x61: higher class, dispatched at once, nested", Delivered: [0x61], PprClass: 0x60, InService: [0x50, 0x61], Requested: [0x51]),
        new("eoi-highest", "EOI clears 0x61 only; 0x51 still held by 0x50", Delivered: [], PprClass: 0x50, InService: [0x50], Requested: [0x51]),
        new("eoi-releases", "EOI clears 0x50; 0x51 is dispatched (its handler EOIs)", Delivered: [0x51], PprClass: 0x00, InService: [], Requested: []),
        new("tpr-holds", "TPR=0x70, self-IPI 0x65: class 6 is not above 7, held", Delivered: [], PprClass: 0x70, InService: [], Requested: [0x65]),
        new("tpr-releases", "TPR=0: 0x65 dispatched (its handler EOIs)", Delivered: [0x65], PprClass: 0x00, InService: [], Requested: []),
    ];

    public static IReadOnlyList<string> Check(IReadOnlyList<Record> observed)
    {
        var problems = new List<string>();
        foreach (var step in Script)
        {
            var r = observed.FirstOrDefault(o => o["step"] == step.Name);
            if (r is null)
            {
                problems.Add($"{step.Name}: no observation ({step.What})");
                continue;
            }

            var delivered = ParseDelivered(r["delivered"]);
            if (delivered is null || !delivered.SequenceEqual(step.Delivered))
            {
                var shown = delivered is null ? r["delivered"] ?? "missing" : VectorSet.Format(delivered);
                problems.Add($"{step.Name}: delivered {shown}, expected {VectorSet.Format(step.Delivered)} ({step.What})");
            }

            if (r["ppr"] is not { } ppr || VectorSet.ParseInt(ppr) is not { } p || (p & 0xF0) != (ulong)step.PprClass)
            {
                problems.Add($"{step.Name}: PPR {r["ppr"] ?? "missing"}, expected class 0x{step.PprClass:x2} ({step.What})");
            }

            CheckSet(problems, step, "isr", r["isr"], step.InService);
            CheckSet(problems, step, "irr", r["irr"], step.Requested);
        }

        return problems;
    }

    /// <summary>`none`, or the vectors handled during the step in arrival order, joined by `+`.</summary>
    private static int[]? ParseDelivered(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (text == "none")
        {
            return [];
        }

        var vectors = text.Split('+').Select(VectorSet.ParseInt).ToArray();
        return vectors.Any(v => v is null or > 0xFF) ? null : vectors.Select(v => (int)v!.Value).ToArray();
    }

    private static void CheckSet(List<string> problems, PriorityStep step, string reg, string? text, int[] expected)
    {
        var got = text is null ? null : VectorSet.Parse(text);
        if (got is null || !got.SequenceEqual(expected))
        {
            var shown = got is null ? text ?? "missing" : VectorSet.Format(got);
            problems.Add($"{step.Name}: {reg.ToUpperInvariant()} {shown}, expected {VectorSet.Format(expected)} ({step.What})");
        }
    }
}

public sealed record PriorityStep(string Name, string What, int[] Delivered, int PprClass, int[] InService, int[] Requested);
