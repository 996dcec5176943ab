using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.Apic.Oracles;
using Rig.Suites.Apic.Records;

namespace Rig.Suites.Apic;

/// <summary>
/// apic.timer-after-reboot (seed 001): a guest that reboots with its clock vector in service must see its
/// clock tick again after the reboot, on every reboot. KVM once kept RVI (and stale ISR/IRR) across a reset,
/// so Windows' HAL never saw its first clock interrupt and bugchecked 0x5C after several reboots.
/// </summary>
[TestFixture]
public sealed class TimerAfterReboot
{
    /// <summary>
    /// Run time a delivery may take on top of the SDM's two periods: generous (a lost tick is the bug, not a late one),
    /// and it no longer has to cover a loaded host, whose descheduling the probe measures and the oracle excuses.
    /// </summary>
    private const double SlackUs = 100_000;

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int reboots = Profile.Pick(normal: 100, lab: 1000);
        var bound = TimeSpan.FromSeconds(30 + reboots * 4); // a slow target (TCG under load) takes ~1 s a reboot
        await using var c = await RigCase.BootAsync(
            target, append: $"reboots={reboots} period_us=1000 wait_us=3000000",
            watchdog: bound);
        var exit = await c.RunToExitAsync(bound);

        // A target without what the probe needs (Xen PVH: no reset, CMOS, PIT, HPET, IOAPIC) is a skip naming the case;
        // a skip of one of its parts (….cf9 reset-had-no-effect: QEMU's microvm has no 0xCF9) is a note, and it goes on.
        if (c.CompleteIfProbeSkippedWholeCase())
        {
            return;
        }
        c.Oracle("SDM Vol. 3A 12.4.7.1: RESET clears ISR and IRR, so after a reboot nothing blocks the clock vector and " +
                 "its first tick arrives within 2 periods (12.5.4) plus " + $"{SlackUs / 1000:0} ms of the vCPU's own run time");

        var records = c.Records;
        foreach (var dirty in records.Where(r => r.Kind == DirtyRecord.Kind))
        {
            c.Report(Observations.ClockVectorInService(dirty, 0xD1),
                $"boot {dirty[DirtyRecord.Boot]}: clock vector 0xd1 taken without EOI is in service before the reset " +
                $"(SDM 12.8.4; ISR={dirty[DirtyRecord.Isr]} PPR={dirty[DirtyRecord.Ppr]})");
        }

        var finding = FirstTickAfterReboot.Check(records.Where(r => r.Kind == TickRecord.Kind), reboots, SlackUs);
        c.ReportAll(finding.Problems);

        foreach (var lacking in finding.Unarmed)
        {
            c.Evidence($"note: {lacking}");
        }

        foreach (var latency in finding.LatenciesUs)
        {
            c.Metric(TickRecord.FirstTickUs, latency, "us");
        }

        c.Finish(exit, $"{finding.BootsSeen} reboots, every first tick in time (max {finding.LatenciesUs.DefaultIfEmpty().Max():0} us)");
    }
}
