using Rig.Report;
using Rig.Results;
using Rig.Runner;
using Rig.Store;

namespace Rig.Tests.Report;

public sealed class RerunCommandTests
{
    [Fact]
    public void The_command_selects_exactly_the_failed_case_on_its_target()
    {
        var command = RerunCommand.For(new CaseKey("apic", "timer-after-reboot", "qemu-kvm"), settings: null, repeatsSeen: 1);
        Assert.Equal("./run.sh run --suite apic --target qemu-kvm --filter timer-after-reboot", command);

        var selection = new CaseSelection(new HashSet<string> { "apic" }, new HashSet<string> { "qemu-kvm" }, "timer-after-reboot");
        Assert.True(selection.Selects("apic", "Rig.Suites.Apic.TimerAfterReboot", "Run", "x", "qemu-kvm"));
        Assert.False(selection.Selects("apic", "Rig.Suites.Apic.TimerModes", "Run", "x", "qemu-kvm"));
        Assert.False(selection.Selects("apic", "Rig.Suites.Apic.TimerAfterReboot", "Run", "x", "reference"));
        Assert.True(new CaseSelection(null, null, "apic.timer-*").Selects("apic", "Rig.Suites.Apic.TimerAfterReboot", "Run", "x", "qemu-kvm"));
    }

    [Fact]
    public void A_sub_result_reruns_its_case_and_repeats_are_kept()
    {
        Assert.Equal("./run.sh run --suite smoke --target qemu-tcg --filter selftest --repeat 5",
            RerunCommand.For(new CaseKey("smoke", "selftest.timer.x2apic", "qemu-tcg"), settings: null, repeatsSeen: 5));
    }

    [Fact]
    public void The_profile_repeat_and_seed_of_the_run_that_failed_are_part_of_the_command()
    {
        Assert.Equal("./run.sh run --suite time --target reference --filter density --profile lab --repeat 3 --seed 77",
            RerunCommand.For(new CaseKey("time", "density", "reference"), new RunSettings("lab", 3, 77), repeatsSeen: 1));
    }
}
