using NUnit.Framework;
using Rig.Cases;
using Rig.Com2;
using Rig.Suites.Time.Oracles;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>
/// time.pause-resume: the host stops and resumes the VM hundreds of times while the guest reads its clocks; no clock
/// steps back, none jumps further than the pause.
/// </summary>
[TestFixture]
[QuietHost("it times pauses in the host's QMP round trips, which a neighbour's VM on the same CPUs doubles (measured with --jobs 2)")]
public sealed class PauseResume
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        // Through xl, two pauses of each of the probe's four lengths, so a jump that grows with the pause still shows.
        bool xl = XlControlPlane.Drives(target);
        int pauses = xl ? 8 : Profile.Pick(normal: 200, lab: 2000);
        var bound = TimeRecords.BootBound + ((xl ? XlControlPlane.Pause : TimeSpan.FromMilliseconds(200)) * pauses);
        await using var c = await RigCase.BootAsync(target, append: $"n={pauses}", vcpus: TimeRecords.Vcpus, watchdog: bound);
        var exit = await c.RunToExitAsync(bound);
        c.Oracle("A stopped VM's clocks may stand still or count the stopped time, never go back (SDM 18.17; public/xen.h) nor " +
                 $"move further than the host's pause or the guest's own TSC bracket of the request, plus {TimeRecords.MarginNs / 1e6:0} ms");
        var observations = new List<PauseObservation>();
        foreach (var p in c.Records.Where(r => r.Kind == PauseRecord.Kind))
        {
            foreach (var clock in TimeRecords.RecordedClocks.Where(k => p[k + ClockNames.StepSuffix] is not null))
            {
                double step = p.GetDouble(clock + ClockNames.StepSuffix);
                observations.Add(new PauseObservation(clock, p.GetDouble(PauseRecord.HostUs) * 1000, p.GetDouble(PauseRecord.BracketNs), step));
                c.Metric($"{clock}_pause_step_us", step / 1000, "us", PauseJumps.StepBound);
            }

            c.Metric("host_pause_us", p.GetDouble(PauseRecord.HostUs), "us");
        }

        c.ReportAll(PauseJumps.Check(observations, TimeRecords.MarginNs));

        TimeRecords.JudgeSteps(c, [ClockNames.Tsc, ClockNames.Rdtscp, ClockNames.KvmClock, ClockNames.XenClock]);
        int seen = c.Records.Count(r => r.Kind == PauseRecord.Kind);
        if (seen < pauses && c.Vm.Com2Transcript.FirstOrDefault(l => l.StartsWith(Com2Channel.FailedNote("pause"), StringComparison.Ordinal)) is { } refused)
        {
            // The probe stops at the first pause the host did not make: the clocks were not tried across the rest.
            c.Error($"{seen} of {pauses} pauses observed: the host could not pause the VM ({refused})");
        }
        else
        {
            c.Report(seen == pauses, $"{seen} of {pauses} pauses observed");
        }
        c.Finish(exit, $"{seen} pauses, every clock continuous across each");
    }
}
