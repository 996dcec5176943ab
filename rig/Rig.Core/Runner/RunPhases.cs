namespace Rig.Runner;

/// <summary>A stretch of a run: its units, whether they may run side by side, and the target to release after it.</summary>
public sealed record RunPhase<T>(IReadOnlyList<T> Units, bool Parallel, string? ThenRelease);

/// <summary>
/// The order a run takes its units in. Units of a target that is one machine shared by all its cases
/// (<see cref="Targets.ITarget.RunsOneCaseAtATime"/>, a xen-tcg Xen under QEMU) come last, one target after another,
/// so that its machine is up only while its own rows run and is released after the last: two xen-tcg machines left up
/// idled at 15–30 % of a host CPU each under every later case of the run (measured in s11), and two up at once were
/// where their dom0s' user memory went bad (s8). Before them, with parallel jobs, the units that may share the host run
/// side by side, then those that need a quiet host, one at a time; without, all of them in their order.
/// </summary>
public static class RunPhases
{
    public static IReadOnlyList<RunPhase<T>> Plan<T>(IReadOnlyList<T> units, Func<T, CaseRow> rowOf, bool parallel, Func<string, bool> sharedMachine)
    {
        var own = units.Where(u => !sharedMachine(rowOf(u).Target)).ToList();
        var phases = parallel
            ? new List<RunPhase<T>>
            {
                new([.. own.Where(u => !rowOf(u).NeedsQuietHost)], Parallel: true, null),
                new([.. own.Where(u => rowOf(u).NeedsQuietHost)], Parallel: false, null),
            }
            : [new(own, Parallel: false, null)];
        phases.AddRange(units.Where(u => sharedMachine(rowOf(u).Target)).GroupBy(u => rowOf(u).Target, StringComparer.Ordinal)
            .Select(machine => new RunPhase<T>([.. machine], Parallel: false, machine.Key)));
        return [.. phases.Where(p => p.Units.Count > 0)];
    }
}
