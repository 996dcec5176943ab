using Rig.Suites.Apic.Records;

namespace Rig.Suites.Apic.Oracles;

/// <summary>What the delivery rules concluded: the problems, and each delivery's lateness after its latest due time.</summary>
public sealed record TimerDeliveryFinding(IReadOnlyList<string> Problems, IReadOnlyList<(string Apic, string Mode, double LateUs)> Lateness);

/// <summary>
/// The LAPIC timer's deliveries judged against what the architecture defines, on any host. SDM Vol. 3A §12.5.4: the
/// count decrements at a fixed rate and the timer interrupts when it reaches zero, once in one-shot mode, every period in
/// periodic mode; §12.5.4.1: a TSC-deadline timer interrupts once the TSC reaches the deadline; §12.5.1: a masked LVT
/// delivers nothing. The period in TSC cycles is the probe's own measurement of the count's rate against the TSC, so
/// boundary k falls between k·P and W + k·P (W: the arming write's duration), widened by <see cref="RateTolerance"/>
/// for that measurement's error.
/// <list type="bullet">
/// <item>Never early: the i-th interrupt of an arming cannot come before i periods could have passed. This is also
/// the rate's upper bound: a timer running fast, or delivering extra interrupts, breaks it.</item>
/// <item>One per one-shot or TSC-deadline arming; none while masked.</item>
/// <item>Never late or lost while the guest runs: once a boundary is due, the vCPU may run at most
/// <see cref="RunningLatencyUs"/> before its interrupt arrives (periodic: before the next boundary is due, or the two
/// merge in IRR). Time the probe's waiting loop did not run — the vCPU descheduled by a loaded host — does not count,
/// as it would not on a descheduled real CPU's count of its own run time: a tick late or merged only while the probe
/// itself was stopped is excused, a tick missing while it ran is not. Nor does time in which the VMM shows that it had
/// asked its host to interrupt the guest and the host had not (rig-hv's host-late records: a host that is itself a VM
/// fires its timers milliseconds late in bursts, and the guest runs on meanwhile); a VMM that asked late, or did
/// nothing when interrupted, has no such record for that time. This is the rate's lower bound. The first
/// boundary of each (APIC mode, timer mode) is not held to that bound, as long as an interrupt comes: it pays one-time
/// costs no rule speaks of (a VMM's JIT compiling its delivery path, TCG translating the handler), measured at 2.4 ms on
/// the reference and 3.9 ms on qemu-tcg at load 40 (qemu-tcg's first periodic tick once came with the second), while
/// the later ones came within tens of µs.</item>
/// </list>
/// </summary>
public static class TimerDeliveryRules
{
    /// <summary>The probe's measurement of the count's rate against the TSC may be off by this fraction either way.</summary>
    public const double RateTolerance = 0.01;

    /// <summary>The TSC reads around an access, and µs rounding, may be off by this much.</summary>
    public const double ReadToleranceUs = 20;

    /// <summary>How long a running vCPU may go without an interrupt that is due (a delivery's latency on a running guest).</summary>
    public const double RunningLatencyUs = 500;

    public static TimerDeliveryFinding Check(IEnumerable<TimerArming> armings)
    {
        var problems = new List<string>();
        var lateness = new List<(string, string, double)>();
        var warm = new HashSet<string>();
        foreach (var arm in armings)
        {
            if (arm.Mode == ArmingRecord.Masked)
            {
                if (arm.Ticks.Count > 0)
                {
                    problems.Add($"{arm.What}: {arm.Ticks.Count} interrupts from a masked LVT timer entry (SDM 12.5.1: the mask inhibits the interrupt)");
                }

                continue;
            }

            Early(arm, problems);
            if (arm.Mode != ArmingRecord.Periodic && arm.Ticks.Count > 1)
            {
                problems.Add($"{arm.What}: {arm.Ticks.Count} interrupts for one arming (SDM 12.5.4{Section(arm)}: one interrupt per arming)");
            }

            LateOrLost(arm, firstOfItsMode: warm.Add(arm.What), problems, lateness);
        }

        return new TimerDeliveryFinding(problems, lateness);
    }

    /// <summary>The earliest time boundary <paramref name="k"/> can be due.</summary>
    public static double Earliest(TimerArming arm, int k) =>
        arm.Mode == ArmingRecord.TscDeadline ? arm.PeriodUs : (k * arm.PeriodUs * (1 - RateTolerance)) - ReadToleranceUs;

    /// <summary>The latest time boundary <paramref name="k"/> can be due.</summary>
    public static double Latest(TimerArming arm, int k) =>
        arm.Mode == ArmingRecord.TscDeadline ? arm.PeriodUs : arm.WriteUs + (k * arm.PeriodUs * (1 + RateTolerance)) + ReadToleranceUs;

    /// <summary>
    /// When boundary <paramref name="k"/> is due if the count started as the arming began: lateness is measured from here,
    /// an upper bound that includes the arming write's own duration (long when the vCPU was descheduled in it).
    /// </summary>
    private static double Nominal(TimerArming arm, int k) => k * arm.PeriodUs;

    private static void Early(TimerArming arm, List<string> problems)
    {
        for (int i = 0; i < arm.Ticks.Count; i++)
        {
            double earliest = Earliest(arm, i + 1);
            if (arm.Ticks[i] < earliest)
            {
                problems.Add($"{arm.What}: interrupt {i + 1} came {arm.Ticks[i]:0} µs after the arming, before {i + 1} " +
                             $"period(s) of {arm.PeriodUs:0} µs could have passed ({earliest:0} µs) (SDM 12.5.4{Section(arm)}: never early)");
                return;
            }
        }
    }

    private static void LateOrLost(TimerArming arm, bool firstOfItsMode, List<string> problems, List<(string, string, double)> lateness)
    {
        int served = 0, missed = 0, judged = 0;
        string? first = null;
        bool periodic = arm.Mode == ArmingRecord.Periodic;
        for (int k = 1; periodic ? Earliest(arm, k + 1) <= arm.EndUs : k == 1; k++)
        {
            judged++;
            double due = Latest(arm, k);
            bool delivered = served < arm.Ticks.Count && (!periodic || arm.Ticks[served] < Earliest(arm, k + 1));
            double until = delivered ? arm.Ticks[served] : periodic ? Earliest(arm, k + 1) : arm.EndUs;
            double ran = arm.RanUs(due, until);
            if (delivered)
            {
                lateness.Add((arm.Apic, arm.Mode, arm.Ticks[served] - Nominal(arm, k)));
                served++;
            }

            if (ran <= RunningLatencyUs || (firstOfItsMode && k == 1 && arm.Ticks.Count > 0))
            {
                continue;
            }

            missed++;
            first ??= delivered
                ? $"interrupt {k} came {until - due:0} µs after it was due, and the vCPU ran {ran:0} µs of that"
                : periodic
                    ? $"boundary {k} (due by {due:0} µs) had no interrupt of its own before the next was due, though the vCPU ran {ran:0} µs in between"
                    : $"no interrupt, though the vCPU ran {ran:0} µs after it was due (by {due:0} µs; watched until {arm.EndUs:0} µs)";
        }

        if (first is not null)
        {
            problems.Add($"{arm.What}: {missed} of {judged} {(periodic ? "periods" : "arming")} late or lost while the " +
                         $"vCPU ran (more than {RunningLatencyUs:0} µs of its run time after due): {first} (SDM 12.5.4{Section(arm)})");
        }
    }

    private static string Section(TimerArming arm) => arm.Mode == ArmingRecord.TscDeadline ? ".1" : "";
}
