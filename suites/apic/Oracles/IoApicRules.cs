using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The IOAPIC's delivery rules, Intel 82093AA I/O APIC datasheet 3.2.4 (I/O redirection table: trigger mode, remote
/// IRR, mask) with SDM Vol. 3A 12.8.5 (an EOI for a level-triggered vector is broadcast to the I/O APICs): an
/// edge-triggered input sends one message per rising edge, however long the line then stays high; a level-triggered
/// input sends one and sets remote IRR, which holds every further message back until the EOI message for its vector
/// clears it; an input still asserted at that EOI, or when its entry is unmasked, is delivered again; a deasserted one
/// is not. Several edges arriving together each send their own message: different vectors do not merge.
/// <para>
/// Directed EOI (SDM Vol. 3A 12.8.5, "Signaling Interrupt Servicing Completion"): where the LAPIC offers EOI-broadcast
/// suppression (version register bit 24) and the IOAPIC has an EOI register (version 20H on, the register at +0x40;
/// the 82093AA is 11H and has none), setting SVR bit 12 stops the LAPIC's EOI from reaching the IOAPIC: remote IRR stays
/// set and the still-asserted line is not sent again until software writes the vector to the IOAPIC's EOI register,
/// which then clears remote IRR and re-delivers the line while it is still asserted.
/// </para>
/// </summary>
/// <remarks>
/// The probe (probes/IoApic.cs) walks <see cref="Script"/> and prints one <c>RIG ioapic</c> record per step:
/// <c>step=NAME source=host|hpet|rtc pin=N vector=0x.. delivered=N (during the step's window) rirr=0|1 (after it) ran_us=N</c>;
/// <c>simultaneous-edges</c> has one record per pin. The script runs once per source a target has, and each run is
/// judged on its own. Before any source, <c>RIG ioapic-eoi suppress_eoi_broadcast=0|1 ioapic_version=0x..</c> says
/// whether the target offers directed EOI; where it does, each source also walks <see cref="DirectedEoiScript"/> after
/// <c>RIG ioapic-directed source=.. svr=0x..</c> (the SVR read back after setting bit 12). The expectations are the
/// datasheet's and the SDM's, not any hypervisor's.
/// </remarks>
public static class IoApicRules
{
    public const string Kind = "ioapic";
    public const string EoiKind = "ioapic-eoi";
    public const string DirectedKind = "ioapic-directed";
    public const string SimultaneousEdges = "simultaneous-edges";

    /// <summary>The first IOAPIC version with the EOI register (Linux io_apic.c, __eoi_ioapic_pin).</summary>
    public const long FirstVersionWithEoiRegister = 0x20;

    private const long SvrSuppressEoiBroadcast = 1 << 12;

    /// <summary>
    /// Pins each source raises together in <see cref="SimultaneousEdges"/>: the host's three, three HPET timers matching
    /// on one tick, and for the RTC (one line) the RTC's and the PIT's edges held pending together by the TPR.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> SimultaneousPins = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["host"] = 3,
        ["hpet"] = 3,
        ["rtc"] = 2,
    };

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

    /// <summary>Run with EOI-broadcast suppression on (SVR bit 12), after <see cref="Script"/>, where the target offers directed EOI.</summary>
    public static readonly IReadOnlyList<IoApicStep> DirectedEoiScript =
    [
        new("directed-assert", "SVR bit 12 set, level entry unmasked, line asserted: one message, remote IRR set", Delivered: 1, RemoteIrr: true),
        new("directed-lapic-eoi", "LAPIC EOI with the broadcast suppressed: remote IRR stays set, the still-asserted line is not sent again", Delivered: 0, RemoteIrr: true),
        new("directed-ioapic-eoi", "the vector written to the IOAPIC's EOI register, line still asserted: remote IRR cleared and the line delivered again", Delivered: 1, RemoteIrr: true),
        new("directed-deasserted-eoi", "LAPIC EOI, line deasserted, then the IOAPIC's EOI register: remote IRR cleared, nothing sent", Delivered: 0, RemoteIrr: false),
    ];

    /// <summary>
    /// Directed EOI can be used: the LAPIC offers EOI-broadcast suppression (version bit 24) and the IOAPIC has the EOI
    /// register (version 20H or later), as the <c>RIG ioapic-eoi</c> record shows them.
    /// </summary>
    public static bool OffersDirectedEoi(Record eoi) =>
        eoi["suppress_eoi_broadcast"] == "1" && Hex(eoi["ioapic_version"]) >= FirstVersionWithEoiRegister;

    /// <summary>
    /// Every source the probe walked the script on (its <c>source=</c>) is judged by the whole script, and by
    /// <see cref="DirectedEoiScript"/> where the target offers directed EOI; each problem names its source.
    /// </summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<Record> observed)
    {
        var problems = new List<string>();
        var eoi = observed.FirstOrDefault(r => r.Kind == EoiKind);
        if (eoi is null)
        {
            problems.Add($"no {EoiKind} record: whether the target offers directed EOI (SDM 12.8.5) is unknown");
        }

        bool directed = eoi is not null && OffersDirectedEoi(eoi);
        var steps = observed.Where(r => r.Kind == Kind).ToList();
        foreach (var source in steps.Select(r => r["source"] ?? "unnamed").Distinct(StringComparer.Ordinal))
        {
            var own = steps.Where(r => (r["source"] ?? "unnamed") == source).ToList();
            CheckSource(problems, source, own);
            if (directed)
            {
                CheckDirectedEoi(problems, source, own, observed.FirstOrDefault(r => r.Kind == DirectedKind && r["source"] == source));
            }
        }

        return problems;
    }

    private static void CheckSource(List<string> problems, string source, List<Record> steps)
    {
        CheckScript(problems, source, steps, Script);

        var together = steps.Where(o => o["step"] == SimultaneousEdges).ToList();
        int pins = SimultaneousPins.GetValueOrDefault(source);
        if (together.Count != pins)
        {
            problems.Add($"{source}: {SimultaneousEdges}: {together.Count} pin records, expected {pins} (one per edge pin raised together)");
        }

        foreach (var r in together)
        {
            CheckDelivered(problems, $"{source}: {SimultaneousEdges} pin {r["pin"]}", "edges on several pins at once: each pin's vector once", r, 1);
        }
    }

    /// <summary>SVR bit 12 is writable where version bit 24 offers it (SDM 12.8.5), and the directed steps behave as the SDM says.</summary>
    private static void CheckDirectedEoi(List<string> problems, string source, List<Record> steps, Record? svr)
    {
        if (svr is null)
        {
            problems.Add($"{source}: directed EOI offered but no {DirectedKind} record (the SVR after setting bit 12)");
        }
        else if (Hex(svr["svr"]) is var value && (value < 0 || (value & SvrSuppressEoiBroadcast) == 0))
        {
            problems.Add($"{source}: SVR {svr["svr"]} after setting bit 12: EOI-broadcast suppression offered (version bit 24) but the bit did not stay set (SDM 12.8.5)");
        }

        CheckScript(problems, source, steps, DirectedEoiScript);
    }

    private static void CheckScript(List<string> problems, string source, List<Record> steps, IReadOnlyList<IoApicStep> script)
    {
        foreach (var step in script)
        {
            var r = steps.FirstOrDefault(o => o["step"] == step.Name);
            if (r is null)
            {
                problems.Add($"{source}: {step.Name}: no observation ({step.What})");
                continue;
            }

            CheckDelivered(problems, $"{source}: {step.Name}", step.What, r, step.Delivered);
            if (step.RemoteIrr is { } rirr && r["rirr"] != (rirr ? "1" : "0"))
            {
                problems.Add($"{source}: {step.Name}: remote IRR {r["rirr"] ?? "missing"}, expected {(rirr ? 1 : 0)} ({step.What}; {r["ran_us"]} µs run)");
            }
        }
    }

    /// <summary>A <c>0x..</c> field's value; -1 when it is missing or not hexadecimal.</summary>
    private static long Hex(string? field) =>
        field is not null && field.StartsWith("0x", StringComparison.Ordinal) &&
        long.TryParse(field.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out long value)
            ? value
            : -1;

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
