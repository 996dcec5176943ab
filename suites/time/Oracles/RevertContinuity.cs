namespace Rig.Suites.Time.Oracles;

/// <summary>How far one guest clock moved from just before a snapshot save to just after the revert to it, and the host time between.</summary>
public sealed record RevertObservation(string Clock, double GuestStepNs, double HostNs);

/// <summary>
/// After a revert the guest resumes from the snapshot, so its time continues from the saved time: it may not go back
/// before it, and it may not run ahead of it by more than the host time between the two readings plus a margin (a
/// hypervisor may either freeze guest time in the snapshot or let it follow the host). Seed 000: Xen's
/// hvm_load_cpu_ctxt → get_s_time_fixed with at_tsc below local_tsc, scaled unsigned → a jump of centuries.
/// </summary>
public static class RevertContinuity
{
    /// <summary>What the report says judges a clock's step across a revert (<c>revert_step_us</c>).</summary>
    public const string StepBound = "RevertContinuity: 0 ≤ step ≤ the host time between the readings plus the clock's margin (seed 000)";

    public static IReadOnlyList<string> Check(IEnumerable<RevertObservation> reverts, double marginNs)
    {
        var problems = new List<string>();
        int i = 0;
        foreach (var r in reverts)
        {
            if (r.GuestStepNs < 0)
            {
                problems.Add($"revert {i}: {r.Clock} went {Human.Ns(-r.GuestStepNs)} before the snapshot's time");
            }
            else if (r.GuestStepNs > r.HostNs + marginNs)
            {
                problems.Add($"revert {i}: {r.Clock} {Human.Ns(r.GuestStepNs)} past the snapshot, host saw {Human.Ns(r.HostNs)} " +
                             $"(margin {Human.Ns(marginNs)})");
            }

            i++;
        }

        return problems;
    }
}
