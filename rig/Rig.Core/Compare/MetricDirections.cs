namespace Rig.Compare;

/// <summary>
/// The built-in direction of the metrics the suites record, from their names and units (the RigCase.Metric calls in
/// suites/). A metric matched by no rule is <see cref="WorseDirection.Unknown"/>: scenario counts (vms, pauses,
/// reverts, collisions), host-side inputs (host_pause_us, longest_hold_ms), signed quantities (drift_ppm) and VMM
/// counters move without being better or worse. rig.json's compare:thresholds:Metrics:NAME:Worse overrides a rule.
/// </summary>
public static class MetricDirections
{
    private static readonly (string Why, Func<string, string, bool> Matches, WorseDirection Worse)[] Rules =
    [
        ("a rate the hypervisor sustains (unit per second)", (_, unit) => unit.EndsWith("/s", StringComparison.Ordinal), WorseDirection.Down),
        ("progress under load relative to a quiet baseline", (name, _) => name.EndsWith("_progress_ratio", StringComparison.Ordinal), WorseDirection.Down),
        ("a delivery latency or lateness", (name, _) => name.Contains("latency", StringComparison.Ordinal) || name.Contains("_late_", StringComparison.Ordinal)
            || name.StartsWith("first_tick", StringComparison.Ordinal) || name.StartsWith("send_to_upcall", StringComparison.Ordinal), WorseDirection.Up),
        ("a clock's error: step, warp or excess over a hold", (name, _) => name.Contains("_step_", StringComparison.Ordinal)
            || name.Contains("_warp_", StringComparison.Ordinal) || name.Contains("_excess_", StringComparison.Ordinal), WorseDirection.Up),
        ("work lost or redone: lost events, torn-read retries, IPIs without an upcall", (name, _) => name.StartsWith("events_lost", StringComparison.Ordinal)
            || name.EndsWith("_retries", StringComparison.Ordinal) || name.EndsWith("_without_upcall", StringComparison.Ordinal), WorseDirection.Up),
        ("a cost in CPU cycles", (name, unit) => unit == "cycles", WorseDirection.Up),
    ];

    public static WorseDirection Of(string metric, string unit)
    {
        foreach (var (_, matches, worse) in Rules)
        {
            if (matches(metric, unit))
            {
                return worse;
            }
        }

        return WorseDirection.Unknown;
    }
}
