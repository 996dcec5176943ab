using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The LAPIC timer's rate and punctuality, from the probe's per-delivery samples. SDM Vol. 3A §12.5.4: the timer
/// counts down at a fixed rate and interrupts when the count reaches zero; in periodic mode it reloads and interrupts
/// every period; §12.5.4.1: a TSC-deadline timer interrupts when the TSC reaches the deadline. A hypervisor must
/// deliver ticks at the programmed rate and deadlines soon after they are due. A loaded host only ever delays a
/// delivery (and a periodic tick after a delayed one comes early, catching up), so each (APIC mode, timer mode)
/// distribution is judged by its best delivery, which the host's load cannot spoil unless it delays every single one:
/// <list type="bullet">
/// <item>periodic: at least one interval within <see cref="PeriodTolerance"/> of the programmed period (a wait
/// rounded up to whole milliseconds, or a timer running at twice the rate, has none);</item>
/// <item>one-shot and TSC-deadline: the promptest delivery at most one programmed period after its due time (a timer
/// that late every time is indistinguishable from one at the wrong rate).</item>
/// </list>
/// </summary>
/// <remarks>
/// Input: <c>RIG tsample apic=xapic|x2apic mode=oneshot|periodic|tsc-deadline period_us=P late_ns=L</c>; for periodic
/// samples L is the interval minus the period, else the delivery's delay after the due time.
/// </remarks>
public static class TimerRateRules
{
    /// <summary>How far a periodic timer's best interval may stray from its period, as a fraction of the period.</summary>
    public const double PeriodTolerance = 0.25;

    public static IReadOnlyList<string> Check(IEnumerable<Record> samples)
    {
        var problems = new List<string>();
        foreach (var (apic, mode, periodUs, bestUs) in Best(samples))
        {
            if (mode == "periodic" && Math.Abs(bestUs) > PeriodTolerance * periodUs)
            {
                problems.Add($"periodic ({apic}): no interval within ±{PeriodTolerance:P0} of the {periodUs:0} µs period, " +
                             $"the closest was {periodUs + bestUs:0} µs (SDM 12.5.4: the count reloads and interrupts every period)");
            }
            else if (mode != "periodic" && bestUs > periodUs)
            {
                problems.Add($"{mode} ({apic}): even the promptest delivery came {bestUs:0} µs after its due time, more " +
                             $"than the {periodUs:0} µs the timer was armed for (SDM 12.5.4{(mode == "tsc-deadline" ? ".1" : "")})");
            }
        }

        return problems;
    }

    /// <summary>
    /// Per (APIC mode, timer mode, period): the best sample in µs — for periodic the interval error closest to zero,
    /// else the smallest lateness.
    /// </summary>
    public static IEnumerable<(string Apic, string Mode, double PeriodUs, double BestUs)> Best(IEnumerable<Record> samples) =>
        samples.GroupBy(s => (Apic: s["apic"] ?? "", Mode: s["mode"] ?? "", PeriodUs: s.GetDouble("period_us")))
            .Select(g =>
            {
                var us = g.Select(s => s.GetDouble("late_ns") / 1000);
                double best = g.Key.Mode == "periodic" ? us.MinBy(Math.Abs) : us.Min();
                return (g.Key.Apic, g.Key.Mode, g.Key.PeriodUs, best);
            });
}
