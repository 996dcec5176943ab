using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>time.tsc-warp: vCPUs take turns under one lock reading the TSC, as Linux's check_tsc_warp(); the TSC never warps.</summary>
[TestFixture]
public sealed class TscWarp
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int ms = Profile.Pick(normal: 2_000, lab: 60_000);
        await using var c = await RigCase.BootAsync(target, append: $"ms={ms}", vcpus: TimeRecords.Vcpus);
        var exit = await c.RunToExitAsync(TimeSpan.FromMilliseconds(ms) + TimeRecords.BootBound);
        c.Oracle("SDM Vol. 3B 18.17.1: with an invariant TSC the processors' TSCs are one clock, so a read ordered after " +
                 "another by a lock is never smaller (Linux check_tsc_warp); warp 0");
        var warps = TimeRecords.JudgeWarps(c);
        if (warps.Count == 0)
        {
            c.Error($"the probe printed no warp summary; {exit}");
        }
        else if (warps[0][WarpRecord.Stable] != "1")
        {
            c.Evidence("note: the CPU does not report an invariant TSC, so a warp would not be a failure");
        }

        c.Finish(exit, $"{warps.Sum(w => w.GetInt64(WarpRecord.Reads)):N0} ordered reads across vCPUs, no warp");
    }
}
