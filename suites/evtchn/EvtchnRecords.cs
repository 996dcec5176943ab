using Rig.Cases;
using Rig.Suites.Evtchn.Records;

namespace Rig.Suites.Evtchn;

/// <summary>How this suite's cases boot their probes and read the hypervisor's side; shared so every case reads them alike.</summary>
internal static class EvtchnRecords
{
    /// <summary>Room for boot, AP start-up and COM2 round trips on a loaded host around a case's timed part.</summary>
    public static readonly TimeSpan BootBound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// True (and the case is a skip naming the reason) when the probe found no Xen interface: QEMU 7.2 has no Xen
    /// event channels (its Xen emulation, and evtchn with it, arrived in QEMU 8.0 behind -accel kvm,xen-version=); or
    /// when the target has them but the rig cannot play the other domain (<see cref="PlaysOtherDomain"/>), so the
    /// interdomain half of every case would fail for the rig's want, not the hypervisor's. Call it before judging the
    /// probe's verdicts.
    /// </summary>
    public static bool SkippedWithoutXenBackend(RigCase c) => SkippedWithoutXen(c) || SkippedWithoutOtherDomain(c);

    /// <summary>True (and the case is a skip naming the reason) when the probe found no Xen event channels at all.</summary>
    public static bool SkippedWithoutXen(RigCase c)
    {
        var skip = c.Records.FirstOrDefault(r => TargetInterfaces.AbsentInterface(r) == "xen");
        if (skip is not null)
        {
            c.Skip($"{c.Target} offers no Xen event channels ({skip["reason"]}); QEMU 7.2 has no Xen emulation");
        }

        return skip is not null;
    }

    /// <summary>
    /// Whether the rig plays the other domain's end of an interdomain channel on this target: the host backend
    /// (x-rig-evtchn-*) is rig-hv's, and a real Xen's dom0 backend is not driven yet.
    /// </summary>
    public static bool PlaysOtherDomain(RigCase c) => c.Vm.Reference is not null;

    /// <summary>What a target without the rig's backend is told, beside the checks it was not given.</summary>
    public static string NoOtherDomain(RigCase c) =>
        $"{c.Target} offers Xen event channels, but the rig plays the other domain's backend only on rig-hv (x-rig-evtchn-*)";

    private static bool SkippedWithoutOtherDomain(RigCase c)
    {
        if (PlaysOtherDomain(c))
        {
            return false;
        }

        c.Skip(NoOtherDomain(c) + "; the guest's records are in the log, not judged");
        return true;
    }

    /// <summary>
    /// A skip naming the reason when the target refused to park set_link for the forced race (x-rig-evtchn-link-race is
    /// rig-hv's): seed 003's race was then left to the scheduler, and a pass would claim what was not tested.
    /// </summary>
    public static void SkipIfRaceUnforced(RigCase c)
    {
        if (c.Records.Any(r => r.Kind == "skip" && r["reason"] == TailRoundRecord.ForcedLinkRaceRefused))
        {
            c.Skip($"{c.Target} cannot park set_link until the guest has written (rig-hv's x-rig-evtchn-link-race), so seed 003's race was not forced");
        }
    }

    /// <summary>
    /// The hypervisor's counts the probe asked for at its end (x-rig-evtchn-stats), each also a metric of the case;
    /// null, and the case an error, when the probe never got that far.
    /// </summary>
    public static IReadOnlyDictionary<string, long>? Stats(RigCase c, EvtchnHostActions backend)
    {
        if (backend.Stats is not { } stats)
        {
            c.Error("the probe ended before it asked for the hypervisor's event channel counts");
            return null;
        }

        c.Evidence("hypervisor: " + string.Join(" ", stats.Select(s => $"{s.Key}={s.Value}")));
        foreach (var (name, value) in stats)
        {
            c.Metric("hv_" + name.Replace('-', '_'), value, name.EndsWith("-ns", StringComparison.Ordinal) ? "ns" : "events");
        }

        return stats;
    }
}
