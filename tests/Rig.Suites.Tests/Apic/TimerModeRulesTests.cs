using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class TimerModeRulesTests
{
    private static Record Mode(string mode, int armed, int delivered, int extra = 0, int early = 0) =>
        RecordParser.TryParse($"RIG tmode apic=xapic mode={mode} armed={armed} delivered={delivered} extra={extra} early={early}")!;

    [Fact]
    public void A_conforming_timer_passes_and_an_unsupported_mode_is_not_judged() =>
        Assert.Empty(TimerModeRules.Check(
        [
            Mode("oneshot", 20, 20), Mode("masked", 3, 0), Mode("periodic", 20, 23), Mode("tsc-deadline", 20, 20),
            RecordParser.TryParse("RIG tmode apic=x2apic mode=tsc-deadline unsupported=cpu-lacks-tsc-deadline")!,
        ]));

    [Theory]
    [InlineData("masked", 3, 1, 0, 0, "masked timers delivered")]
    [InlineData("oneshot", 20, 19, 0, 0, "1 of 20 armed timers never delivered")]
    [InlineData("oneshot", 20, 20, 2, 0, "2 extra interrupts")]
    [InlineData("periodic", 20, 5, 0, 0, "5 of 20 periodic ticks")]
    [InlineData("tsc-deadline", 20, 20, 0, 1, "came before the TSC reached the deadline")]
    public void Each_broken_rule_is_named(string mode, int armed, int delivered, int extra, int early, string expected) =>
        Assert.Contains(expected, Assert.Single(TimerModeRules.Check([Mode(mode, armed, delivered, extra, early)])));
}
