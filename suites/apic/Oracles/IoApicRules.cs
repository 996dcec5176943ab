using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The IOAPIC's delivery rules, Intel 82093AA I/O APIC datasheet 3.2.4 (I/O redirection table: trigger mode, remote
/// IRR, mask) with SDM Vol. 3A 12.8.5 (an EOI for a level-triggered vector is broadcast to the I/O APICs): an
/// edge-triggered input sends one message per rising edge, however long the line then stays high; a level-triggered
/// input sends one and sets remote IRR, which holds every further message back until the EOI message for its vector
/// clears it; an input still asserted at that EOI, or when its entry is unmasked, is delivered again; a deasserted one
/// is not. Several edges arriving together each send their own message: different vectors do not merge.
/// </summary>
/// <remarks>
/// The probe (probes/IoApic.cs) walks <see cref="Script"/> and prints one <c>RIG ioapic</c> record per step:
/// <c>step=NAME source=host|rtc pin=N vector=0x.. delivered=N (during the step's window) rirr=0|1 (after it) ran_us=N</c>;
/// <c>simultaneous-edges</c> has one record per pin. The expectations are the datasheet's, not any hypervisor's.
/// </remarks>
public static class IoApicRules
{
    public const string Kind = "ioapic";
    public const string SimultaneousEdges = "simultaneous-edges";

    /// <summary>Edge pins the host raises together in <see cref="SimultaneousEdges"/> (the RTC source has one line, so it skips that step).</summary>
    public const int SimultaneousPins = 3;

    public static readonly IReadOnlyList<IoApicStep> Script =
    [
        new("level-assert", "level entry unmasked, line asserted: one message, remote IRR set", Delivered: 1, RemoteIrr: true),
        new("level-held", "no EOI yet, line still asserted: remote IRR holds every further message", Delivered: 0, RemoteIrr: true),
        new("eoi-redelivers", "EOI while the line is still asserted: remote IRR cleared and the line delivered again", Delivered: 1, RemoteIrr: true),
        new("masked-eoi", "entry masked, then EOI: remote IRR cleared, nothing sent while masked", Delivered: 0, RemoteIrr: false),
        new("unmask-redelivers", "unmasked while the line is still asserted: delivered again", Delivered: 1, RemoteIrr: true),
        new("deasserted-eoi", "line deasserted, then EOI: remote IRR cleared, nothing sent", Delivered: 0, RemoteIrr: false),
        new("edge-assert", "edge entry, one rising edge: one message", Delivered: 1, RemoteIrr: null),
        new("edge-held-high", "the line stays high after the EOI: no edge, no message", Delivered: 0, RemoteIrr: null),
    ];

    public static IReadOnlyList<string> Check(IReadOnlyList<Record> observed)
    {
        var problems = new List<string>();
        var steps = observed.Where(r => r.Kind == Kind).ToList();
        foreach (var step in Script)
        {
            var r = steps.FirstOrDefault(o => o["step"] == step.Name);
            if (r is null)
            {
                problems.Add($"{step.Name}: no observation ({step.What})");
                continue;
            }

            CheckDelivered(problems, step.Name, step.What, r, step.Delivered);
            if (step.RemoteIrr is { } rirr && r["rirr"] != (rirr ? "1" : "0"))
            {
                problems.Add($"{step.Name}: remote IRR {r["rirr"] ?? "missing"}, expected {(rirr ? 1 : 0)} ({step.What}; {r["ran_us"]} µs run)");
            }
        }

        // Only a source that can raise several lines at once (the host's) owes this step; the RTC is one line.
        var together = steps.Where(o => o["step"] == SimultaneousEdges).ToList();
        bool owed = steps.Any(o => o["source"] == "host");
        if (owed && together.Count != SimultaneousPins)
        {
            problems.Add($"{SimultaneousEdges}: {together.Count} pin records, expected {SimultaneousPins} (one per edge pin raised together)");
        }

        foreach (var r in together)
        {
            CheckDelivered(problems, $"{SimultaneousEdges} pin {r["pin"]}", "edges on several pins at once: each pin's vector once", r, 1);
        }

        return problems;
    }

    private static void CheckDelivered(List<string> problems, string name, string what, Record r, long expected)
    {
        if (!long.TryParse(r["delivered"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long delivered) || delivered != expected)
        {
            problems.Add($"{name}: {r["delivered"] ?? "missing"} messages for vector {r["vector"]}, expected {expected} ({what}; {r["ran_us"]} µs run)");
        }
    }
}

/// <summary>One step of the script: how many messages its window must see, and remote IRR after it (null: an edge entry, undefined).</summary>
public sealed record IoApicStep(string Name, string What, long Delivered, bool? RemoteIrr);
