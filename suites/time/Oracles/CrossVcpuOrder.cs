using Rig.Protocol;

namespace Rig.Suites.Time.Oracles;

/// <summary>
/// Reads ordered by a lock across vCPUs (Linux's check_tsc_warp) must not go back when the clock promises one time
/// for all vCPUs: an invariant TSC (SDM Vol. 3B 18.17.1, CPUID 0x80000007 EDX bit 8), or a pvclock with
/// PVCLOCK_TSC_STABLE_BIT (public/xen.h: time read on one vCPU never exceeds time read later on another). Without
/// that promise a warp is evidence, not a failure: the guest was told not to rely on the order.
/// </summary>
/// <remarks>One <c>RIG warp clock=C cpus=N reads=N warps=N max_warp_ns=N stable=0|1</c> record per clock.</remarks>
public static class CrossVcpuOrder
{
    public static IReadOnlyList<string> Check(Record warp)
    {
        long warps = warp.GetInt64("warps");
        if (warps == 0 || warp["stable"] != "1")
        {
            return [];
        }

        return [$"{warp["clock"]} warped {warps} times in {warp["reads"]} ordered reads across {warp["cpus"]} vCPUs, worst " +
                $"{Human.Ns(warp.GetDouble("max_warp_ns"))}, though it promises order across vCPUs (stable=1)"];
    }
}
