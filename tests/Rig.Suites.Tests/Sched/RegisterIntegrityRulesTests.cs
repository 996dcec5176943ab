using Rig.Protocol;
using Rig.Suites.Sched.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Sched;

public class RegisterIntegrityRulesTests
{
    private static Record Line(string text) => RecordParser.TryParse(text)!;

    private static Record Held(int vm, int cpu, int hold = 47) =>
        Line($"RIG held vm={vm} cpu={cpu} rounds=1000000 hold={hold} registers={hold + 4} msr_checks=40 us=2000000");

    private static readonly Record[] AllHeld = [Held(1, 0), Held(1, 1), Held(2, 0), Held(2, 1)];

    [Fact]
    public void Every_vcpu_holding_to_the_end_passes() => Assert.Empty(RegisterIntegrityRules.Check(AllHeld, [1, 2], 2));

    [Fact]
    public void A_changed_gpr_names_register_values_vcpu_and_whose_value_it_is()
    {
        var diff = Line("RIG regdiff vm=1 cpu=1 reg=0x1 expected=0xa500000101015a5a seen=0xa500040301015a5a tsc=5");

        var problem = Assert.Single(RegisterIntegrityRules.Check([.. AllHeld, diff], [1, 2], 2));

        Assert.Equal(
            "VM 1 vCPU 1: rbx changed under the guest: expected 0xa500000101015a5a, seen 0xa500040301015a5a (VM 1027 vCPU 1's rbx)",
            problem);
    }

    [Fact]
    public void A_changed_msr_is_named_and_a_value_without_the_pattern_has_no_owner()
    {
        var diff = Line("RIG regdiff vm=2 cpu=0 reg=0x1c0000102 expected=0x5a0002000300 seen=0x0 tsc=5");

        var problem = Assert.Single(RegisterIntegrityRules.Check([.. AllHeld, diff], [1, 2], 2));

        Assert.Equal("VM 2 vCPU 0: IA32_KERNEL_GS_BASE changed under the guest: expected 0x00005a0002000300, seen 0x0000000000000000", problem);
    }

    [Fact]
    public void An_exception_the_probe_never_raises_is_a_failure_naming_vector_and_rip()
    {
        var fault = Line("RIG fault vm=1 cpu=0 vector=0xd rip=0x2001f4 error=0x0");

        var problem = Assert.Single(RegisterIntegrityRules.Check([.. AllHeld, fault], [1, 2], 2));

        Assert.True(RegisterIntegrityRules.IsFailure(fault));
        Assert.Equal("VM 1 vCPU 0: exception vector 0xd at RIP 0x2001f4 (error code 0x0), which the probe never raises: its state changed under it", problem);
    }

    [Fact]
    public void A_vcpu_that_never_said_held_did_not_check_and_fails()
    {
        var problem = Assert.Single(RegisterIntegrityRules.Check(AllHeld[..3], [1, 2], 2));

        Assert.Contains("VM 2 vCPU 1 never reported holding", problem);
    }

    [Theory]
    [InlineData(0, "rax")]
    [InlineData(14, "r15")]
    [InlineData(15, "xmm0.lo")]
    [InlineData(46, "xmm15.hi")]
    [InlineData(47, "ymm0[191:128]")]
    [InlineData(78, "ymm15[255:192]")]
    [InlineData(0x1_0000_0277, "IA32_PAT")]
    public void Registers_are_named_as_the_probe_numbers_them(long index, string name) =>
        Assert.Equal(name, RegisterIntegrityRules.RegisterName(index));

    [Fact]
    public void The_check_rate_counts_the_values_each_vcpu_holds_per_round() =>
        Assert.Equal((3 * 47 + 79) * 1_000_000 / 2.0, RegisterIntegrityRules.ChecksPerSecond([.. AllHeld[..3], Held(2, 1, hold: 79)]));
}
