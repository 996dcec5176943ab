using Rig.Protocol;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time.Oracles;

/// <summary>
/// Reads ordered by a lock across vCPUs (Linux's check_tsc_warp) must not go back when the clock promises one time
/// for all vCPUs: an invariant TSC (SDM Vol. 3B 18.17.1, CPUID 0x80000007 EDX bit 8), or a pvclock with
/// PVCLOCK_TSC_STABLE_BIT (public/xen.h: time read on one vCPU never exceeds time read later on another). Without
/// that promise a warp is evidence, not a failure: the guest was told not to rely on the order.
/// </summary>
/// <remarks>
/// One <c>RIG warp clock=C cpus=N reads=N warps=N max_warp_ns=N stable=0|1 [record_spread_ns=N]</c> record per clock.
/// Ordered reads only catch a warp when the vCPUs run at once, which a loaded host does not promise (a 20 µs skew went
/// unseen in 1 of 3 runs here); so for pvclocks the probe also reports how far apart the vCPUs' records put one TSC
/// value, which must be within <see cref="RecordSpreadToleranceNs"/> whenever they promise one time for all vCPUs.
/// </remarks>
public static class CrossVcpuOrder
{
    /// <summary>
    /// Rounding in the records' scaling is a few ns; half the ~100 ns it takes a cache line to move between cores, the
    /// finest order two vCPUs can observe, is still far below anything a guest could see as a warp.
    /// </summary>
    public const double RecordSpreadToleranceNs = 50;

    /// <summary>What the report says judges a clock's worst warp (<c>max_warp_ns</c>).</summary>
    public const string WarpBound =
        "CrossVcpuOrder: 0 ns whenever the clock promises one time for all vCPUs (SDM Vol. 3B 18.17.1 invariant TSC; public/xen.h PVCLOCK_TSC_STABLE_BIT)";

    public static IReadOnlyList<string> Check(Record warp)
    {
        if (warp[WarpRecord.Stable] != "1")
        {
            return [];
        }

        var problems = new List<string>();
        long warps = warp.GetInt64(WarpRecord.Warps);
        if (warps > 0)
        {
            problems.Add($"{warp[WarpRecord.Clock]} warped {warps} times in {warp[WarpRecord.Reads]} ordered reads across {warp[WarpRecord.Cpus]} vCPUs, worst " +
                         $"{Human.Ns(warp.GetDouble(WarpRecord.MaxWarpNs))}, though it promises order across vCPUs (stable=1)");
        }

        if (warp[WarpRecord.RecordSpreadNs] is not null && warp.GetDouble(WarpRecord.RecordSpreadNs) > RecordSpreadToleranceNs)
        {
            problems.Add($"{warp[WarpRecord.Clock]}: the records of {warp[WarpRecord.Cpus]} vCPUs put one TSC value " +
                         $"{Human.Ns(warp.GetDouble(WarpRecord.RecordSpreadNs))} apart (more than {RecordSpreadToleranceNs} ns), though " +
                         "they promise one time for all vCPUs (stable=1)");
        }

        return problems;
    }
}
