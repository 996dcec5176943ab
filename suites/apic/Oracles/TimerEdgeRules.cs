using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The LAPIC timer's edge cases, SDM Vol. 3A §12.5.4 (one-shot and periodic counts) and §12.5.4.1 (TSC-deadline mode),
/// judged from one <c>RIG timer-edge check=…</c> record per check (suites/apic/probes/TimerEdges.cs):
/// <list type="bullet">
/// <item><c>count-one</c>, <c>deadline-due</c>: an initial count of 1, or a TSC deadline the TSC has already passed, is
/// due when written: every arming interrupts exactly once, the promptest within <see cref="AtOnceUs"/>;</item>
/// <item><c>oneshot-expired</c>: after its interrupt a one-shot count reads 0 and stays 0;</item>
/// <item><c>periodic-reload</c>: a periodic count reloads at zero, so it is seen to rise, never reads above the initial
/// count, and interrupts;</item>
/// <item><c>oneshot-to-periodic</c>: the LVT switch does not restart the count (it reads no more than before the switch),
/// and the timer then interrupts more than once; where the probe was delayed past the one-shot's expiry (the count read 0
/// before the switch) it stays at 0 after one interrupt;</item>
/// <item><c>expired-then-periodic</c>: that late path forced, the switch written as the one-shot count reads 0: every try
/// interrupts exactly once and the count stays 0;</item>
/// <item><c>masked-counts</c>: a masked LVT still counts (the count falls, reaches 0) but nothing is delivered;</item>
/// <item><c>into-deadline</c>: switching a running count into TSC-deadline mode disarms it, the current count reads 0
/// and ignores initial-count writes, nothing is delivered after the switch (judged where the count was still running
/// at the switch).</item>
/// </list>
/// </summary>
public static class TimerEdgeRules
{
    /// <summary>
    /// "At once" for a timer due when written: the promptest of 20 armings within 2 ms. Interrupt delivery to the probe
    /// costs up to a few hundred µs on this host's kvm_pvm (docs/notes/apic.md) and a loaded host preempts the vCPU for
    /// ms at a time (so one arming is not enough); a timer that waits for a host tick (4 ms at HZ=250) or never fires
    /// is later than that.
    /// </summary>
    public const double AtOnceUs = 2000;

    /// <summary>Every check the probe runs where the CPU has TSC-deadline mode; without it the last two are absent.</summary>
    public static readonly IReadOnlyList<string> Checks =
        ["count-one", "oneshot-expired", "periodic-reload", "oneshot-to-periodic", "expired-then-periodic", "masked-counts", "deadline-due", "into-deadline"];

    public static IReadOnlyList<string> Check(IEnumerable<Record> edges, bool tscDeadline)
    {
        var problems = new List<string>();
        var seen = edges.ToDictionary(e => e["check"] ?? "", e => e);
        foreach (var name in Checks.Where(c => tscDeadline || c is not ("deadline-due" or "into-deadline")))
        {
            if (!seen.TryGetValue(name, out var e))
            {
                problems.Add($"{name}: the probe printed no record");
                continue;
            }

            problems.AddRange(Judge(name, e));
        }

        return problems;
    }

    /// <summary>
    /// oneshot-to-periodic: whether the count could have reached zero between the reads around the switch, given the
    /// time the probe measured between them (<c>between_us</c>, long when the host descheduled the vCPU) and the time
    /// the count had left (<c>before</c> of <c>initial</c> counts per <c>period_us</c>). If it could, the zero may have
    /// come after the switch (the count reloads, 12.5.4) or before it (the one-shot expired and stays at 0): both conform.
    /// </summary>
    private static bool ZeroCouldHaveComeBetweenTheReads(Record e)
    {
        if (e["between_us"] is null || e.GetInt64("after") > e.GetInt64("initial") || e.GetInt64("initial") == 0)
        {
            return false;
        }

        double leftUs = (double)e.GetInt64("before") / e.GetInt64("initial") * e.GetDouble("period_us");
        return e.GetDouble("between_us") >= (leftUs * (1 - TimerDeliveryRules.RateTolerance)) - TimerDeliveryRules.ReadToleranceUs;
    }

    private static IEnumerable<string> Judge(string name, Record e)
    {
        long delivered = e.GetInt64("delivered");
        switch (name)
        {
            case "count-one" or "deadline-due":
                long armed = e.GetInt64("armed");
                string rule = name == "count-one" ? "SDM 12.5.4: an initial count of 1 reaches zero at once" :
                    "SDM 12.5.4.1: a deadline the TSC has passed fires at once";
                if (delivered < armed)
                {
                    yield return $"{name}: {armed - delivered} of {armed} armings never interrupted ({rule})";
                }

                if (e.GetInt64("extra") > 0)
                {
                    yield return $"{name}: {e["extra"]} extra interrupts (one interrupt per arming, {rule})";
                }

                if (delivered > 0 && e.GetDouble("best_us") > AtOnceUs)
                {
                    yield return $"{name}: even the promptest interrupt came {e["best_us"]} µs after the write, more than " +
                                 $"{AtOnceUs:0} µs ({rule})";
                }

                break;
            case "oneshot-expired":
                if (delivered != 1)
                {
                    yield return $"{name}: {delivered} interrupts from one one-shot count (SDM 12.5.4: exactly one)";
                }

                if (e.GetInt64("tmcct") != 0 || e.GetInt64("tmcct_later") != 0)
                {
                    yield return $"{name}: the current count read {e["tmcct"]}, then {e["tmcct_later"]} after expiring " +
                                 "(SDM 12.5.4: a one-shot count stays at 0 until reprogrammed)";
                }

                break;
            case "periodic-reload":
                if (e.GetInt64("above_initial") > 0)
                {
                    yield return $"{name}: {e["above_initial"]} of {e["reads"]} reads of the current count exceeded the " +
                                 $"initial count {e["initial"]} (SDM 12.5.4: it counts down from the initial count)";
                }

                if (e.GetInt64("reloads") == 0 || e.GetInt64("zero_reads") == e.GetInt64("reads"))
                {
                    yield return $"{name}: the current count never reloaded in {e["reads"]} reads over up to 100 ms " +
                                 $"({e["zero_reads"]} read 0; SDM 12.5.4: the count reloads from the initial count at zero)";
                }

                if (delivered == 0)
                {
                    yield return $"{name}: no interrupt in 4 periods (SDM 12.5.4: one per period)";
                }

                break;
            case "oneshot-to-periodic" when e.GetInt64("before") == 0 || (e.GetInt64("after") == 0 && ZeroCouldHaveComeBetweenTheReads(e)):
                // The probe was delayed past the one-shot's expiry, before its first read or (a periodic count never
                // reads 0) before the switch: the count is at zero and must stay there.
                if (e.GetInt64("after") != 0 || delivered != 1)
                {
                    yield return $"{name}: the one-shot count had reached 0 before the switch, then read {e["after"]} " +
                                 $"after it, {delivered} interrupts (SDM 12.5.4: changing the mode does not start the " +
                                 "timer, a one-shot count stays at 0 after its one interrupt)";
                }

                break;
            case "oneshot-to-periodic":
                if (e.GetInt64("after") > e.GetInt64("before") && !ZeroCouldHaveComeBetweenTheReads(e))
                {
                    yield return $"{name}: the count read {e["before"]} before the switch and {e["after"]} after it " +
                                 "(SDM 12.5.4: changing the mode does not start the timer, the count goes on)";
                }

                if (delivered < 2)
                {
                    yield return $"{name}: {delivered} interrupt(s) after the switch to periodic (SDM 12.5.4: it now " +
                                 "reloads and interrupts every period)";
                }

                break;
            case "expired-then-periodic":
                if (e.GetInt64("lost") > 0)
                {
                    yield return $"{name}: {e["lost"]} of {e["tries"]} one-shot counts that read 0 before the switch to " +
                                 $"periodic never interrupted ({e["raced"]} switched before any interrupt came; SDM 12.5.4: " +
                                 "the count reached zero, its interrupt is owed and the mode change does not take it back)";
                }

                if (e.GetInt64("extra") > 0 || e.GetInt64("restarted") > 0)
                {
                    yield return $"{name}: the switch started the expired count again: {e["restarted"]} of {e["tries"]} " +
                                 $"read non-zero after it, {e["extra"]} extra interrupts (SDM 12.5.4: changing the mode " +
                                 "does not start the timer)";
                }

                break;
            case "masked-counts":
                if (e.GetInt64("second") >= e.GetInt64("first") || e.GetInt64("final") != 0)
                {
                    yield return $"{name}: the masked count read {e["first"]}, {e["second"]}, then {e["final"]} after " +
                                 "2.5 periods (SDM 12.5.1: the mask inhibits the interrupt, the count still runs to 0)";
                }

                if (delivered != 0)
                {
                    yield return $"{name}: {delivered} interrupts from a masked timer (SDM 12.5.1)";
                }

                break;
            case "into-deadline":
                if (e.GetInt64("tmcct_after_switch") != 0 || e.GetInt64("tmcct_after_tmict") != 0)
                {
                    yield return $"{name}: the current count read {e["tmcct_after_switch"]} after the switch and " +
                                 $"{e["tmcct_after_tmict"]} after an initial-count write (SDM 12.5.4.1: in TSC-deadline " +
                                 "mode it reads 0 and initial-count writes are ignored)";
                }

                if (delivered != 0 && e.GetInt64("tmcct_before_switch") != 0)
                {
                    yield return $"{name}: {delivered} interrupts after the switch, past the disarmed count's due time " +
                                 "(SDM 12.5.4.1: the transition disarms the timer)";
                }

                break;
        }
    }
}
