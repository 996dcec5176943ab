using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Apic.Oracles;

namespace Rig.Suites.Apic;

/// <summary>
/// apic.eoi-priority: a vector at or below the processor priority waits in IRR until an EOI or a TPR write
/// lowers the priority; a higher class preempts. A LAPIC that treats every interrupt as auto-EOI (this
/// machine's in-kernel LAPIC under kvm_pvm never sets ISR/PPR) lets same-class interrupts through: with a
/// stale vector in service, the mirror image of seed 001, nothing would be held at all.
/// </summary>
[TestFixture]
public sealed class EoiPriority
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target, append: "settle_us=20000");
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(30));
        c.Oracle("SDM Vol. 3A 12.8.3.1: PPR = max(TPR class, highest ISR class); a requested vector is dispatched only " +
                 "above it; 12.8.5: EOI clears the highest ISR bit");
        var steps = c.Records.Where(r => r.Kind == "prio").ToList();
        if (steps.Count == 0)
        {
            c.Error($"the probe printed no observation; {exit}");
        }

        foreach (var step in steps)
        {
            c.Evidence("observed: " + step.Line);
        }

        c.ReportAll(PriorityRules.Check(steps));
        c.Finish(exit, $"all {PriorityRules.Script.Count} steps as the SDM says");
    }
}
