using Rig.Protocol;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time.Oracles;

/// <summary>
/// time.density's bound on one VM's `RIG steps` records (seed 000: a jump of centuries, or a step back, after a revert
/// that met a calibration). The host held the VM at most <c>longestHoldNs</c> at a time (a pause, or a save and revert),
/// and a step of a guest clock is time passing, so:
/// <list type="bullet">
/// <item>a pvclock's step may exceed the step of the TSC it was computed from (<c>max_excess_ns</c>) by at most the
/// longest hold plus <c>marginNs</c>: only a record update adds to a pvclock's step (public/xen.h vcpu_time_info: time is
/// system_time plus the scaled TSC delta), and no update may move time on further than the VM was held. A vCPU the host
/// kept off its CPU shows in both steps and cancels out, so this bound is tight on a loaded host too;</item>
/// <item>any clock's largest step may be at most the longest hold plus <see cref="SchedulingSlackNs"/>, for the vCPU
/// waiting for a host CPU beside the other VMs' vCPUs and the host's load.</item>
/// </list>
/// Backward steps are <see cref="ClockSteps"/>' to judge. Every vCPU must have reported each clock once: a second
/// report means a revert reached past the window into the guest's printing.
/// </summary>
public static class DensityJumps
{
    /// <summary>
    /// How long a vCPU of a 16-vCPU density run on a loaded 2-CPU host may wait for a CPU with no hold at all; a lab host
    /// has a CPU per vCPU. Ten orders of magnitude below seed 000's jump.
    /// </summary>
    public const double SchedulingSlackNs = 10e9;

    /// <summary>What the report says judges a clock's largest step in a density VM (<c>max_step_us</c>).</summary>
    public static readonly string StepBound = $"DensityJumps: at most the longest hold + {SchedulingSlackNs / 1e9:0} s";

    /// <summary>What the report says judges a pvclock's step beyond its TSC's (<c>max_excess_us</c>).</summary>
    public const string ExcessBound = "DensityJumps: at most the longest hold plus the clock's margin (public/xen.h vcpu_time_info)";

    public static IReadOnlyList<string> Check(IReadOnlyCollection<Record> steps, double longestHoldNs, double marginNs)
    {
        var problems = new List<string>();
        foreach (var s in steps.Where(ClockSteps.Judgeable))
        {
            var what = $"{s[StepsRecord.Clock]} on vCPU {s[StepsRecord.Cpu]}";
            double forward = s.GetDouble(StepsRecord.MaxForwardNs);
            if (forward > longestHoldNs + SchedulingSlackNs)
            {
                problems.Add($"{what} jumped {Human.Ns(forward)} in one step; the host held the VM at most {Human.Ns(longestHoldNs)} " +
                             $"at a time (slack for a vCPU waiting for a host CPU {Human.Ns(SchedulingSlackNs)})");
            }

            if (s[StepsRecord.MaxExcessNs] is not null && s.GetDouble(StepsRecord.MaxExcessNs) > longestHoldNs + marginNs)
            {
                problems.Add($"{what} ran {Human.Ns(s.GetDouble(StepsRecord.MaxExcessNs))} ahead of its own TSC in one step; the host held " +
                             $"the VM at most {Human.Ns(longestHoldNs)} at a time (margin {Human.Ns(marginNs)})");
            }
        }

        return problems;
    }

    /// <summary>Each of <paramref name="vcpus"/> vCPUs must have reported each clock it read exactly once.</summary>
    public static IReadOnlyList<string> Coverage(IReadOnlyCollection<Record> steps, int vcpus)
    {
        var problems = new List<string>();
        var byCpu = steps.GroupBy(s => s[StepsRecord.Cpu] ?? "?").ToDictionary(g => g.Key, g => g.ToList());
        for (int cpu = 0; cpu < vcpus; cpu++)
        {
            if (!byCpu.ContainsKey(cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                problems.Add($"vCPU {cpu} reported no clock");
            }
        }

        foreach (var twice in steps.GroupBy(s => (s[StepsRecord.Cpu], s[StepsRecord.Clock])).Where(g => g.Count() > 1))
        {
            problems.Add($"{twice.Key.Item2} on vCPU {twice.Key.Item1} was reported {twice.Count()} times: a revert reached past the window");
        }

        return problems;
    }
}
