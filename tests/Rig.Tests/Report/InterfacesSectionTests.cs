using Rig.Report;
using Rig.Results;

namespace Rig.Tests.Report;

public sealed class InterfacesSectionTests
{
    private static CaseResult Result(string target, string @case, string log, int repeat = 0) =>
        new("smoke", @case, target, Verdict.Ok, "", "", [], [], "== COM1\n" + log, DateTimeOffset.UnixEpoch, TimeSpan.Zero, repeat);

    [Fact]
    public void Read_interfaces_and_absences_come_from_the_stored_log_per_probe_and_target()
    {
        const string tcg = "RIG boot n=1 cpus=4\nRIG skip smoke.self-test.pvclock reason=no-kvmclock\nRIG skip smoke.self-test.timer.x2apic reason=cpu-lacks-x2apic\nRIG iface seen=xapic+pit\n";
        var rows = InterfacesSection.Rows(
        [
            // Sub-results of one probe share its log: one row, not one per sub-result.
            Result("qemu-tcg", "self-test.pvclock", tcg),
            Result("qemu-tcg", "self-test.smp", tcg),
            Result("reference", "self-test.pvclock", "RIG iface seen=xapic+x2apic+kvmclock\n"),
            Result("reference", "self-test.pvclock", "RIG iface seen=xapic+tsc-deadline\n", repeat: 1),
            Result("qemu-kvm", "hello", "RIG boot n=1 cpus=1\n"),
        ]);

        Assert.Equal(3, rows.Count);
        var qemuTcg = rows.Single(r => r.Target == "qemu-tcg");
        Assert.Equal("smoke.self-test", qemuTcg.Case);
        Assert.Equal(["pit", "xapic"], qemuTcg.Read);
        Assert.Equal(["pvclock: no-kvmclock (kvmclock)", "timer.x2apic: cpu-lacks-x2apic (x2apic)"], qemuTcg.Absent);
        Assert.Equal(["kvmclock", "tsc-deadline", "x2apic", "xapic"], rows.Single(r => r.Target == "reference").Read);
        Assert.Null(rows.Single(r => r.Target == "qemu-kvm").Read);
    }

    [Fact]
    public void The_markdown_has_one_table_per_target_and_says_what_was_not_reported()
    {
        var rows = InterfacesSection.Rows(
        [
            Result("qemu-tcg", "self-test.pvclock", "RIG skip smoke.self-test.pvclock reason=no-kvmclock\nRIG iface seen=none\n"),
            Result("reference", "hello", ""),
        ]);
        var text = InterfacesSection.Markdown(rows);
        Assert.Contains("### qemu-tcg\n\n| case | interfaces read | absent (the probe's reason) |\n|---|---|---|\n| smoke.self-test | none | pvclock: no-kvmclock (kvmclock) |\n", text);
        Assert.Contains("| smoke.hello | not reported | — |", text);
    }
}
