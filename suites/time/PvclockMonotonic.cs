using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>
/// time.pvclock-monotonic: kvmclock and (on the reference) the Xen pvclock, read on every vCPU under load on the CPUs
/// the vCPUs are scheduled on (<see cref="Rig.Targets.IVm.LoadHostAsync"/>: dom0's on Xen); never
/// backward on one vCPU (across a record update only while the records set the stable bit: Oracles/ClockSteps.cs), and
/// never backward across vCPUs while the record's stable bit is set.
/// </summary>
[TestFixture]
[QuietHost("it spins every CPU of its VM's host for its whole run: its neighbours would be judged under that load")]
public sealed class PvclockMonotonic
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int ms = Profile.Pick(normal: 4_000, lab: 60_000);
        await using var c = await RigCase.BootAsync(target, append: $"ms={ms}", vcpus: TimeRecords.Vcpus);
        await using var load = await c.Vm.LoadHostAsync();
        var exit = await c.RunToExitAsync(2 * TimeSpan.FromMilliseconds(ms) + TimeRecords.BootBound);
        c.Oracle("Xen public/xen.h vcpu_time_info and Linux pvclock-abi.h: system time from a vCPU's record never goes back " +
                 "on that vCPU within a record, nor across records under PVCLOCK_TSC_STABLE_BIT (without it Xen leaves monotonicity " +
                 "to the guest: xen/arch/x86/time.c collect_time_info); with the bit, time read on one vCPU never exceeds time " +
                 "read later on another");
        var steps = TimeRecords.JudgeSteps(c, [ClockNames.KvmClock, ClockNames.XenClock]);
        var warps = TimeRecords.JudgeWarps(c);
        var clocks = steps.Select(s => s[StepsRecord.Clock]).Distinct().ToList();
        if (clocks.Count == 0 && exit.ProbeStatus == 0)
        {
            c.Skip("the target offers no paravirtual clock (no kvmclock, no Xen pvclock)");
        }

        c.Report(warps.Count == clocks.Count, $"a cross-vCPU check for each clock read ({warps.Count} of {clocks.Count})");
        c.Finish(exit, $"{string.Join(", ", clocks)}: monotonic on every vCPU and in order across vCPUs, under host load");
    }
}
