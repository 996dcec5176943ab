namespace Rig.Suites.Time.Oracles;

/// <summary>
/// Guest time just before a snapshot was saved, and just after the VM was reverted to it.
/// </summary>
public sealed record RevertObservation(double GuestNsAtSave, double GuestNsAfterRevert, double HostNsSinceSave);

/// <summary>
/// After a revert the guest resumes from the snapshot, so its time continues from the saved time:
/// it may not go back before it, and it may not run ahead of it by more than the host time since the save
/// plus a margin (a hypervisor may either freeze guest time in the snapshot or let it follow the host).
/// Seed 000: Xen's hvm_load_cpu_ctxt → get_s_time_fixed with at_tsc below local_tsc, scaled unsigned →
/// a jump of about 2^64 ns scaled, centuries ahead.
/// </summary>
public static class RevertContinuity
{
    public static IReadOnlyList<string> Check(IEnumerable<RevertObservation> reverts, double marginNs)
    {
        var problems = new List<string>();
        int i = 0;
        foreach (var r in reverts)
        {
            double step = r.GuestNsAfterRevert - r.GuestNsAtSave;
            if (step < 0)
            {
                problems.Add($"revert {i}: guest time {-step:0} ns before the snapshot's");
            }
            else if (step > r.HostNsSinceSave + marginNs)
            {
                problems.Add($"revert {i}: guest time {Human(step)} past the snapshot, host saw {Human(r.HostNsSinceSave)} (margin {Human(marginNs)})");
            }

            i++;
        }

        return problems;
    }

    /// <summary>Years are the signature of seed 000, so say them as such.</summary>
    private static string Human(double ns) => ns switch
    {
        >= 365.25 * 86400e9 => $"{ns / (365.25 * 86400e9):0.#} years",
        >= 1e9 => $"{ns / 1e9:0.###} s",
        >= 1e3 => $"{ns / 1e3:0.###} us",
        _ => $"{ns:0} ns",
    };
}
