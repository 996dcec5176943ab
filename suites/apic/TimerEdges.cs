using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Apic.Oracles;

namespace Rig.Suites.Apic;

/// <summary>
/// apic.timer-edges: the LAPIC timer where the SDM defines it but the common path never goes: a count or a TSC deadline
/// already due when written, the current count after a one-shot expiry, across a periodic reload and across mode
/// switches, and a masked timer that must still count. A hypervisor that clamps, restarts or stops the count there
/// passes timer-modes and breaks guests that rely on these (Linux's TSC-deadline and LAPIC calibration paths do).
/// </summary>
[TestFixture]
public sealed class TimerEdges
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target);
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(60));
        c.Oracle("SDM Vol. 3A 12.5.4: the count starts at the initial count, interrupts at zero, then stays 0 (one-shot) " +
                 "or reloads (periodic); a mode change does not restart it; 12.5.1: a masked LVT inhibits only the " +
                 "interrupt; 12.5.4.1: a passed TSC deadline fires at once, the switch into TSC-deadline mode disarms the count");
        var edges = c.Records.Where(r => r.Kind == "timer-edge").ToList();
        if (edges.Count == 0)
        {
            c.Error($"the probe printed no observation; {exit}");
        }

        foreach (var edge in edges)
        {
            c.Evidence("observed: " + edge.Line);
        }

        bool tscDeadline = !c.Records.Any(r => TargetInterfaces.AbsentInterface(r) == "tsc-deadline");
        c.ReportAll(TimerEdgeRules.Check(edges, tscDeadline));
        c.Finish(exit, $"{edges.Count} timer edge cases as the SDM says");
    }
}
