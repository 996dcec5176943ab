using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Apic.Oracles;
using Rig.Suites.Apic.Records;

namespace Rig.Suites.Apic;

/// <summary>
/// apic.timer-modes: one-shot, periodic and TSC-deadline timers, xAPIC and x2APIC, and a masked LVT. Every
/// interrupt comes no earlier than the count or the deadline allows, one per one-shot arming and one per period, none
/// while masked, and none is late or lost while the vCPU runs (Oracles/TimerDeliveryRules.cs); time the probe could
/// see it did not run is excused, and so is time the VMM shows its host kept it from acting (rig-hv's host-late
/// records), so the verdict does not depend on the host's load or timer quality. Lateness goes to the report as a
/// distribution (metric late_us per mode).
/// </summary>
[TestFixture]
[QuietHost("it measures each timer interrupt's lateness in microseconds, which a neighbour's vCPUs on the same host CPU stretch (measured with --jobs 2)")]
public sealed class TimerModes
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int n = Profile.Pick(normal: 20, lab: 50);
        await using var c = await RigCase.BootAsync(target, append: $"n={n}");
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(120));
        c.Oracle("SDM Vol. 3A 12.5.4: the count falls at a fixed rate and interrupts when it reaches zero, once per " +
                 "one-shot arming, every period when periodic; 12.5.4.1: a TSC-deadline interrupt comes once the TSC reaches " +
                 "the deadline, never before; 12.5.1: masked, none. Never early (rate measured against the TSC ±" +
                 $"{TimerDeliveryRules.RateTolerance:P0}); late or lost by at most {TimerDeliveryRules.RunningLatencyUs:0} µs " +
                 "of the vCPU's own run time (time it was seen not to run, or the VMM shows its host late to interrupt it, is excused)");
        // A damaged arming is the case's error (JudgeProbeVerdicts), never numbers parsed from its remains.
        var armings = c.Records.Where(r => r.Kind == ArmingRecord.Kind && !r.Damaged).Select(r => TimerArming.From(r, c.HostRecords)).ToList();
        if (armings.Count == 0)
        {
            c.Error($"the probe printed no timer armings; {exit}");
        }

        var finding = TimerDeliveryRules.Check(armings);
        c.ReportAll(finding.Problems);
        foreach (var group in armings.GroupBy(a => a.What))
        {
            var stolen = group.Sum(a => a.Gaps.Sum(g => g.To - g.From));
            var hostLate = group.SelectMany(a => a.HostLate).Select(h => h.To - h.From).ToList();
            c.Evidence($"observed: {group.Key}: {group.Count()} armings, {group.Sum(a => a.Ticks.Count)} interrupts, " +
                       $"{stolen / 1000:0.0} ms the probe did not run" +
                       (hostLate.Count == 0 ? "" : $", the host late to interrupt the vCPU {hostLate.Count} times (worst {hostLate.Max():0} µs)"));
        }

        foreach (var (apic, mode, lateUs) in finding.Lateness)
        {
            c.Metric($"{mode}_{apic}_late_us", lateUs, "us");
        }

        c.JudgeProbeVerdicts();
        c.Report(exit.ProbeStatus is 0 or 1, $"the probe went through every mode ({exit})");
        c.Complete($"{armings.Count} armings as the SDM says");
    }
}
