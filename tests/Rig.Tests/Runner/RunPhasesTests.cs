using Rig.Runner;

namespace Rig.Tests.Runner;

public sealed class RunPhasesTests
{
    private static readonly CaseRow[] Rows =
    [
        new("apic", "timer-modes", "reference", "a", QuietHostReason: null),
        new("apic", "timer-modes", "xen-tcg", "b", QuietHostReason: null),
        new("apic", "timer-modes", "xen-tcg-hvm", "c", QuietHostReason: null),
        new("time", "density", "reference", "d", QuietHostReason: "spins"),
        new("time", "density", "xen-tcg", "e", QuietHostReason: "spins"),
        new("time", "drift", "xen-tcg-hvm", "f", QuietHostReason: null),
        new("time", "drift", "reference", "g", QuietHostReason: null),
    ];

    private static bool Xen(string target) => target.StartsWith("xen", StringComparison.Ordinal);

    [Fact]
    public void A_shared_machines_rows_come_last_back_to_back_each_target_released_after_its_own()
    {
        var phases = RunPhases.Plan(Rows, r => r, parallel: false, Xen);

        Assert.Equal([["a", "d", "g"], ["b", "e"], ["c", "f"]], phases.Select(p => p.Units.Select(r => r.FullName)));
        Assert.Equal([null, "xen-tcg", "xen-tcg-hvm"], phases.Select(p => p.ThenRelease));
        Assert.All(phases, p => Assert.False(p.Parallel));
    }

    [Fact]
    public void With_jobs_the_rows_that_may_share_the_host_run_side_by_side_then_the_quiet_ones_then_the_machines()
    {
        var phases = RunPhases.Plan(Rows, r => r, parallel: true, Xen);

        Assert.Equal([["a", "g"], ["d"], ["b", "e"], ["c", "f"]], phases.Select(p => p.Units.Select(r => r.FullName)));
        Assert.Equal([true, false, false, false], phases.Select(p => p.Parallel));
        Assert.Equal([null, null, "xen-tcg", "xen-tcg-hvm"], phases.Select(p => p.ThenRelease));
    }

    [Fact]
    public void Every_unit_runs_once_and_no_phase_is_empty()
    {
        foreach (var parallel in new[] { false, true })
        {
            var phases = RunPhases.Plan(Rows[..2], r => r, parallel, Xen);

            Assert.Equal(Rows[..2].Select(r => r.FullName).Order(), phases.SelectMany(p => p.Units).Select(r => r.FullName).Order());
            Assert.All(phases, p => Assert.NotEmpty(p.Units));
        }
    }
}
