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
    /// <summary>Skip reason → the interface whose absence it reports (guest-probes: Clocks, XenTime, SelfTest, TimerModes).</summary>
    public static readonly IReadOnlyDictionary<string, string> AbsenceReasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["kvmclock-absent"] = "kvmclock",
        ["no-kvmclock"] = "kvmclock",
        ["no-xen-cpuid-leaves"] = "xen",
        ["hypercall-page-msr-refused"] = "xen",
        ["add-to-physmap-refused"] = "xen",
        ["rdtscp-absent"] = "rdtscp",
        ["cpu-lacks-x2apic"] = "x2apic",
        ["cpu-lacks-tsc-deadline"] = "tsc-deadline",
    };

    /// <summary>Every interface name rig.json may list under <c>offers</c>.</summary>
    public static readonly IReadOnlySet<string> Names = AbsenceReasons.Values.ToHashSet(StringComparer.Ordinal);

    /// <summary>The probe's skip records that report an interface of <paramref name="offers"/> absent.</summary>
    public static IReadOnlyList<(string Interface, Record Record)> MissingOffered(IEnumerable<Record> records, IReadOnlyCollection<string> offers) =>
        [.. records
            .Where(r => r.Kind == "skip")
            .Select(r => (Interface: AbsenceReasons.GetValueOrDefault(r["reason"] ?? ""), Record: r))
            .Where(m => m.Interface is not null && offers.Contains(m.Interface))
            .Select(m => (m.Interface!, m.Record))];
}
