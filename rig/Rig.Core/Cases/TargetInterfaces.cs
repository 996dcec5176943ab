using Rig.Guest;
using Rig.Protocol;

namespace Rig.Cases;

/// <summary>
/// The interfaces a target must offer, as data (rig.json <c>targets.&lt;name&gt;.offers</c>), and the probe skip reasons
/// that say one is absent. A probe that finds an interface missing reports <c>RIG skip</c>: a path the target lacks,
/// unless the target is one that must offer it (the reference always offers kvmclock and Xen), where it is a failure
/// of the target, never a note.
/// </summary>
public static class TargetInterfaces
{
    /// <summary>Skip reason (guest-probes/Runtime/AbsenceReason.cs) → the interface whose absence it reports.</summary>
    public static readonly IReadOnlyDictionary<string, string> AbsenceReasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AbsenceReason.NoKvmclock] = "kvmclock",
        [AbsenceReason.NoXenCpuidLeaves] = "xen",
        [AbsenceReason.HypercallPageMsrRefused] = "xen",
        [AbsenceReason.AddToPhysmapRefused] = "xen",
        [AbsenceReason.NoRdtscp] = "rdtscp",
        [AbsenceReason.NoX2Apic] = "x2apic",
        [AbsenceReason.NoTscDeadline] = "tsc-deadline",
        [AbsenceReason.NoEoiBroadcastSuppression] = "directed-eoi",
        [AbsenceReason.NoIoApicEoiRegister] = "directed-eoi",
    };

    /// <summary>Every interface name rig.json may list under <c>offers</c>.</summary>
    public static readonly IReadOnlySet<string> Names = AbsenceReasons.Values.ToHashSet(StringComparer.Ordinal);

    /// <summary>The interface whose absence <paramref name="record"/> reports, or null when it reports none.</summary>
    public static string? AbsentInterface(Record record) =>
        record.Kind == "skip" ? AbsenceReasons.GetValueOrDefault(record["reason"] ?? "") : null;

    /// <summary>The probe's skip records that report an interface of <paramref name="offers"/> absent.</summary>
    public static IReadOnlyList<(string Interface, Record Record)> MissingOffered(IEnumerable<Record> records, IReadOnlyCollection<string> offers) =>
        [.. records
            .Select(r => (Interface: AbsentInterface(r), Record: r))
            .Where(m => m.Interface is not null && offers.Contains(m.Interface))
            .Select(m => (m.Interface!, m.Record))];
}
