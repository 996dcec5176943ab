using Rig.Protocol;
using Rig.Suites.Apic.Records;

namespace Rig.Suites.Apic.Oracles;

/// <summary>What the oracle concluded about the first tick of each boot.</summary>
public sealed record FirstTickFinding(
    IReadOnlyList<string> Problems,
    IReadOnlyList<double> LatenciesUs,
    int BootsSeen,
    IReadOnlyList<string> Unarmed);

/// <summary>
/// After RESET no interrupt is pending or in service (SDM Vol. 3A §12.4.7.1), so once a guest arms a clock
/// it must see the first tick within two periods: one period to count down (§12.5.4), one of slack for the
/// arming point. The bound is on the vCPU's own run time since the arming (<c>ran_us</c>): time the probe saw it did
/// not run (a loaded host descheduling it) is excused, and <paramref name="slackUs"/> allows for a delivery's latency on
/// a running vCPU. A tick later than that, or none at all, is what seed 001's Windows guests died of: HAL waits for
/// its first clock interrupt and bugchecks 0x5C (HAL_CLOCK_INTERRUPT_NOT_RECEIVED) when a stale in-service vector blocks it.
/// </summary>
/// <remarks>
/// One <c>RIG tick</c> record per boot and clock source: <c>boot=N source=lapic|pit|hpet period_us=P
/// first_tick_us=X</c>, or <c>first_tick_us=none waited_us=W</c> when the probe gave up, or
/// <c>first_tick_us=unarmed why=R</c> when the target lacks that clock (no HPET table, say): noted, not judged, unless
/// the same clock was armed on other boots: a clock that comes and goes across resets is itself a reset bug.
/// </remarks>
public static class FirstTickAfterReboot
{
    public static FirstTickFinding Check(IEnumerable<Record> ticks, int expectedBoots, double slackUs)
    {
        var problems = new List<string>();
        var latencies = new List<double>();
        var boots = new HashSet<long>();
        var unarmed = new Dictionary<(string Source, string Why), int>();
        var armedSources = new HashSet<string>();
        foreach (var t in ticks)
        {
            long boot = t.GetInt64(TickRecord.Boot);
            boots.Add(boot);
            var source = t[TickRecord.Source] ?? "?";
            double period = t.GetDouble(TickRecord.PeriodUs);
            double bound = 2 * period + slackUs;
            if (t[TickRecord.FirstTickUs] == TickRecord.Unarmed)
            {
                var key = (source, t[TickRecord.Why] ?? "unknown");
                unarmed[key] = unarmed.GetValueOrDefault(key) + 1;
                continue;
            }

            armedSources.Add(source);
            if (t[TickRecord.FirstTickUs] == TickRecord.None)
            {
                problems.Add($"boot {boot}: {source} never ticked in {t[TickRecord.WaitedUs] ?? "?"} us (period {period} us)");
                continue;
            }

            double latency = t.GetDouble(TickRecord.FirstTickUs);
            latencies.Add(latency);
            double ran = t[TickRecord.RanUs] is null ? latency : t.GetDouble(TickRecord.RanUs);
            if (ran > bound)
            {
                problems.Add($"boot {boot}: first {source} tick after {latency:0} us, of which the vCPU ran {ran:0} us, " +
                             $"bound {bound:0} us of run time (2 periods + {slackUs:0} us)");
            }
        }

        if (boots.Count < expectedBoots)
        {
            problems.Add($"only {boots.Count} of {expectedBoots} boots reported a tick");
        }

        foreach (var ((source, why), count) in unarmed.Where(u => armedSources.Contains(u.Key.Source)))
        {
            problems.Add($"{source} could not be armed in {count} boots ({why}) but was in others: it did not come back the same after reset");
        }

        var notes = unarmed.Select(u => $"{u.Key.Source} not armed in {u.Value} boots: {u.Key.Why}").ToList();
        return new FirstTickFinding(problems, latencies, boots.Count, notes);
    }
}
