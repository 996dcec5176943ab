using Rig.Fuzz;
using Rig.Targets;

namespace Rig.Tests.Fuzz;

/// <summary>The fuzz oracle: the VMM's own failures are crashes or hangs, the guest's are not, and each names its evidence.</summary>
public sealed class FuzzJudgeTests
{
    [Fact]
    public void A_quit_the_host_asked_for_is_a_clean_stop()
    {
        var (outcome, _) = FuzzJudge.Judge(new VmExit(0, false, false), stoppedByHost: true, hang: null, stoppedState: null, "", []);
        Assert.Equal(FuzzOutcome.Stopped, outcome);
    }

    [Fact]
    public void Exit_zero_nobody_asked_for_is_a_crash()
    {
        var (outcome, _) = FuzzJudge.Judge(new VmExit(0, false, false), stoppedByHost: false, hang: null, stoppedState: null, "", []);
        Assert.Equal(FuzzOutcome.Crash, outcome);
    }

    [Fact]
    public void An_unhandled_exception_is_a_crash_whatever_the_exit_code()
    {
        const string stderr = "vCPU 0 ...\nUnhandled exception. System.IndexOutOfRangeException: Index was outside the bounds of the array.\n   at Rig.Hypervisor.Irq.IoApic.Write";
        var (outcome, evidence) = FuzzJudge.Judge(new VmExit(0, false, false), stoppedByHost: true, hang: null, stoppedState: null, stderr, []);
        Assert.Equal(FuzzOutcome.Crash, outcome);
        Assert.Contains("IndexOutOfRangeException", evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stack_overflow_after_a_long_log_is_a_crash_that_names_it()
    {
        // The VMM's stderr as the rig keeps it: 64 KiB of unbacked-port lines, then the runtime's last words (exit 134).
        var log = new Rig.Hosting.HeadAndTailLog(headChars: 48 * 1024, tailLines: 200);
        for (var port = 0; port < 2000; port++)
        {
            log.Add($"rig-hv: unbacked port read at 0x{port:x4} (reads return all-ones; logged once per address)");
        }

        log.Add("Stack overflow.");
        log.Add("   at Rig.Hypervisor.Devices.Pit.Read(UInt16)");

        var (outcome, evidence) = FuzzJudge.Judge(new VmExit(134, false, false), stoppedByHost: false, hang: null, stoppedState: null, log.ToString(), []);
        Assert.Equal(FuzzOutcome.Crash, outcome);
        Assert.Contains("Stack overflow. | ", evidence, StringComparison.Ordinal);
        Assert.Contains("Pit.Read", evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(126)]
    [InlineData(134)]
    [InlineData(139)]
    public void An_internal_error_or_a_signal_is_a_crash(int code)
    {
        var (outcome, _) = FuzzJudge.Judge(new VmExit(code, false, false), stoppedByHost: true, hang: null, stoppedState: null, "vCPU 1: KVM internal error", []);
        Assert.Equal(FuzzOutcome.Crash, outcome);
    }

    [Fact]
    public void A_missing_qmp_reply_is_a_hang_with_its_evidence()
    {
        var (outcome, evidence) = FuzzJudge.Judge(new VmExit(137, false, true), stoppedByHost: false, hang: "no QMP reply within 30 s", stoppedState: null, "", []);
        Assert.Equal(FuzzOutcome.Hang, outcome);
        Assert.Equal("no QMP reply within 30 s", evidence);
    }

    [Fact]
    public void The_watchdog_is_a_hang()
    {
        Assert.Equal(FuzzOutcome.Hang, FuzzJudge.Judge(new VmExit(137, false, true), true, null, null, "", []).Outcome);
        Assert.Equal(FuzzOutcome.Hang, FuzzJudge.Judge(new VmExit(124, false, false), true, null, null, "", []).Outcome);
    }

    [Fact]
    public void A_triple_fault_is_the_guests_shutdown()
    {
        Assert.Equal(FuzzOutcome.GuestShutdown, FuzzJudge.Judge(new VmExit(122, false, false), false, null, null, "", []).Outcome);
    }

    [Fact]
    public void A_probe_error_is_the_guests_and_names_the_address()
    {
        var (outcome, evidence) = FuzzJudge.Judge(new VmExit((2 << 1) | 1, false, false), false, null, null, "",
            ["RIG boot n=1 cpus=2", "RIG error fuzz vector=0xe rip=0x1234 error=0x4 cpu=1"]);
        Assert.Equal(FuzzOutcome.GuestError, outcome);
        Assert.Contains("rip=0x1234", evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_machine_kept_in_shutdown_is_the_guests_and_one_kept_in_guest_panicked_is_the_vmms()
    {
        Assert.Equal(FuzzOutcome.GuestShutdown, FuzzJudge.Judge(new VmExit(0, false, false), true, null, "shutdown", "", []).Outcome);
        Assert.Equal(FuzzOutcome.Crash, FuzzJudge.Judge(new VmExit(0, false, false), true, null, "guest-panicked", "vCPU 0: KVM internal error", []).Outcome);
    }
}
