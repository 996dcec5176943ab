using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>time.tsc-monotonic: every vCPU reads RDTSC and RDTSCP back to back for a while; no read is below the one before.</summary>
[TestFixture]
public sealed class TscMonotonic
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int ms = Profile.Pick(normal: 2_000, lab: 60_000);
        await using var c = await RigCase.BootAsync(target, append: $"ms={ms}", vcpus: TimeRecords.Vcpus);
        var exit = await c.RunToExitAsync(TimeSpan.FromMilliseconds(ms) + TimeRecords.BootBound);
        c.Oracle("SDM Vol. 3B 18.17: the TSC increments monotonically; read back to back on one vCPU (RDTSC, and RDTSCP " +
                 "which waits for earlier instructions, Vol. 2B) it never goes back, and never jumps beyond the time that passed");
        var steps = TimeRecords.JudgeSteps(c, [ClockNames.Tsc, ClockNames.Rdtscp]);
        if (!steps.Any(s => s[StepsRecord.Clock] == ClockNames.Tsc))
        {
            c.Error($"the probe printed no TSC steps; {exit}");
        }

        c.Finish(exit, $"{steps.Sum(s => s.GetInt64("reads")):N0} reads on {steps.Select(s => s["cpu"]).Distinct().Count()} vCPUs, none backward");
    }
}
