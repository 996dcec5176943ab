using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Apic.Oracles;

namespace Rig.Suites.Apic;

/// <summary>
/// apic.timer-modes: one-shot, periodic and TSC-deadline timers, xAPIC and x2APIC, and a masked LVT. Every
/// arming delivers exactly once, periodic ticks keep coming, deadlines are never early, masked timers are
/// silent; lateness and period error go to the report as distributions (metric late_us per mode), and each mode's
/// best delivery is judged against a bound (Oracles/TimerRateRules.cs).
/// </summary>
[TestFixture]
[QuietHost("it measures each timer interrupt's lateness in microseconds, which a neighbour's vCPUs on the same host CPU stretch (measured with --jobs 2)")]
public sealed class TimerModes
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int n = Profile.Pick(normal: 20, lab: 500);
        await using var c = await RigCase.BootAsync(target, append: $"n={n}");
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
        c.Oracle("SDM Vol. 3A 12.5.4: one interrupt per one-shot arming, one per period when periodic; 12.5.4.1: a " +
                 "TSC-deadline interrupt comes once the TSC reaches the deadline, never before; 12.5.1: masked, none");
        var modes = c.Records.Where(r => r.Kind == "tmode").ToList();
        if (modes.Count == 0)
        {
            c.Error($"the probe printed no timer summary; {exit}");
        }

        foreach (var m in modes)
        {
            c.Evidence("observed: " + m.Line);
        }

        c.ReportAll(TimerModeRules.Check(modes));

        var samples = c.Records.Where(r => r.Kind == "tsample").ToList();
        foreach (var s in samples)
        {
            c.Metric($"{s["mode"]}_{s["apic"]}_late_us", s.GetDouble("late_ns") / 1000, "us");
        }

        c.Oracle($"SDM Vol. 3A 12.5.4, 12.5.4.1: ticks at the programmed rate, deadlines kept; judged on each mode's best " +
                 $"delivery, which host load cannot spoil (late_us metrics): some periodic interval within " +
                 $"±{TimerRateRules.PeriodTolerance:P0} of the period, the promptest one-shot and TSC-deadline delivery at " +
                 "most one period late");
        foreach (var (apic, mode, periodUs, bestUs) in TimerRateRules.Best(samples))
        {
            c.Evidence($"observed: {mode} ({apic}, {periodUs:0} µs) best {(mode == "periodic" ? "interval error" : "lateness")} {bestUs:0} µs");
        }

        c.ReportAll(TimerRateRules.Check(samples));

        c.JudgeProbeVerdicts();
        c.Report(exit.ProbeStatus is 0 or 1, $"the probe went through every mode ({exit})");
        c.Complete($"{modes.Count} modes as the SDM says");
    }
}
