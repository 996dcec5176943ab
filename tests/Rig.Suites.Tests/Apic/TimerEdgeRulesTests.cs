using Rig.Protocol;
using Rig.Suites.Apic.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Apic;

public class TimerEdgeRulesTests
{
    private static readonly string[] Conforming =
    [
        "check=count-one armed=5 delivered=5 extra=0 best_us=40",
        "check=oneshot-expired initial=2000000 delivered=1 tmcct=0 tmcct_later=0",
        "check=periodic-reload initial=2000000 reads=900 above_initial=0 zero_reads=0 reloads=4 delivered=4",
        "check=oneshot-to-periodic initial=2000000 before=1000000 after=999000 delivered=3",
        "check=expired-then-periodic tries=20 raced=3 lost=0 extra=0 restarted=0 delivered=20",
        "check=masked-counts initial=2000000 first=1999000 second=1000000 final=0 delivered=0",
        "check=deadline-due armed=5 delivered=5 extra=0 best_us=60",
        "check=into-deadline tmcct_before_switch=90000000 tmcct_after_switch=0 tmcct_after_tmict=0 delivered=0",
    ];

    private static Record Edge(string fields) => RecordParser.TryParse("RIG timer-edge " + fields)!;

    /// <summary>The conforming records with the one for <paramref name="check"/> replaced by <paramref name="fields"/>.</summary>
    private static Record[] With(string check, string fields) =>
        [.. Conforming.Select(c => c.StartsWith($"check={check} ", StringComparison.Ordinal) ? Edge(fields) : Edge(c))];

    [Fact]
    public void A_timer_that_follows_the_SDM_in_every_edge_passes() =>
        Assert.Empty(TimerEdgeRules.Check(Conforming.Select(Edge), tscDeadline: true));

    [Fact]
    public void Without_TSC_deadline_mode_its_checks_are_not_expected() =>
        Assert.Empty(TimerEdgeRules.Check(Conforming.Take(6).Select(Edge), tscDeadline: false));

    [Fact]
    public void A_missing_check_fails() =>
        Assert.Equal("into-deadline: the probe printed no record",
            Assert.Single(TimerEdgeRules.Check(Conforming.Take(7).Select(Edge), tscDeadline: true)));

    [Fact]
    public void An_expired_count_whose_interrupt_a_mode_switch_took_back_fails()
    {
        // What xen-tcg-hvm showed once by chance (oneshot-to-periodic: 0 interrupts, the count at 0), forced.
        var problem = Assert.Single(TimerEdgeRules.Check(
            With("expired-then-periodic", "check=expired-then-periodic tries=20 raced=20 lost=20 extra=0 restarted=0 delivered=0"), tscDeadline: true));
        Assert.Contains("expired-then-periodic: 20 of 20 one-shot counts that read 0 before the switch to periodic never interrupted", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_count_a_mode_switch_started_again_fails()
    {
        var problem = Assert.Single(TimerEdgeRules.Check(
            With("expired-then-periodic", "check=expired-then-periodic tries=20 raced=2 lost=0 extra=7 restarted=2 delivered=27"), tscDeadline: true));
        Assert.Contains("the switch started the expired count again: 2 of 20 read non-zero after it, 7 extra interrupts", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_due_count_held_back_to_a_minimum_period_fails()
    {
        var problem = Assert.Single(TimerEdgeRules.Check(
            With("count-one", "check=count-one armed=5 delivered=5 extra=0 best_us=4000"), tscDeadline: true));
        Assert.Contains("count-one: even the promptest interrupt came 4000 µs after the write", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_passed_deadline_that_never_fires_fails()
    {
        var problem = Assert.Single(TimerEdgeRules.Check(
            With("deadline-due", "check=deadline-due armed=5 delivered=0 extra=0"), tscDeadline: true));
        Assert.Contains("5 of 5 armings never interrupted (SDM 12.5.4.1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_one_shot_count_that_reloads_after_expiry_fails()
    {
        var problems = TimerEdgeRules.Check(
            With("oneshot-expired", "check=oneshot-expired initial=2000000 delivered=2 tmcct=0 tmcct_later=1500000"), tscDeadline: true);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("stays at 0 until reprogrammed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_periodic_count_that_never_reloads_fails() =>
        Assert.Contains("never reloaded", Assert.Single(TimerEdgeRules.Check(
            With("periodic-reload", "check=periodic-reload initial=2000000 reads=900 above_initial=0 zero_reads=700 reloads=0 delivered=1"),
            tscDeadline: true)), StringComparison.Ordinal);

    [Fact]
    public void A_mode_switch_that_restarts_the_count_fails() =>
        Assert.Contains("does not start the timer", Assert.Single(TimerEdgeRules.Check(
            With("oneshot-to-periodic", "check=oneshot-to-periodic initial=2000000 before=1000000 after=2000000 delivered=3"),
            tscDeadline: true)), StringComparison.Ordinal);

    [Fact]
    public void A_count_that_reloaded_while_the_vcpu_was_descheduled_between_the_reads_passes() =>
        Assert.Empty(TimerEdgeRules.Check(
            With("oneshot-to-periodic", "check=oneshot-to-periodic initial=2000000 before=593594 after=912985 between_us=1400 period_us=2000 delivered=3"),
            tscDeadline: true));

    [Fact]
    public void The_same_reload_without_time_for_it_fails() =>
        Assert.Contains("does not start the timer", Assert.Single(TimerEdgeRules.Check(
            With("oneshot-to-periodic", "check=oneshot-to-periodic initial=2000000 before=593594 after=912985 between_us=40 period_us=2000 delivered=3"),
            tscDeadline: true)), StringComparison.Ordinal);

    [Fact]
    public void A_one_shot_count_revived_by_a_switch_after_its_expiry_fails() =>
        Assert.Contains("a one-shot count stays at 0 after its one interrupt", Assert.Single(TimerEdgeRules.Check(
            With("oneshot-to-periodic", "check=oneshot-to-periodic initial=2006826 before=0 after=1989817 delivered=3"),
            tscDeadline: true)), StringComparison.Ordinal);

    [Fact]
    public void A_one_shot_that_expired_before_the_switch_and_stays_at_zero_passes() =>
        Assert.Empty(TimerEdgeRules.Check(
            With("oneshot-to-periodic", "check=oneshot-to-periodic initial=2006826 before=0 after=0 delivered=1"), tscDeadline: true));

    /// <summary>Seen on the reference at load 60: 0.93 ms left, then the vCPU descheduled 4.5 ms before the switch.</summary>
    [Fact]
    public void A_one_shot_that_expired_while_the_vcpu_was_descheduled_before_the_switch_passes() =>
        Assert.Empty(TimerEdgeRules.Check(
            With("oneshot-to-periodic", "check=oneshot-to-periodic initial=2020290 before=928770 after=0 between_us=4535 period_us=2000 delivered=1"),
            tscDeadline: true));

    [Fact]
    public void A_count_that_stops_at_a_switch_it_had_no_time_to_expire_before_fails() =>
        Assert.Contains("1 interrupt(s) after the switch to periodic", Assert.Single(TimerEdgeRules.Check(
            With("oneshot-to-periodic", "check=oneshot-to-periodic initial=2020290 before=928770 after=0 between_us=90 period_us=2000 delivered=1"),
            tscDeadline: true)), StringComparison.Ordinal);

    [Fact]
    public void A_masked_timer_that_stops_counting_fails() =>
        Assert.Contains("the count still runs to 0", Assert.Single(TimerEdgeRules.Check(
            With("masked-counts", "check=masked-counts initial=2000000 first=2000000 second=2000000 final=2000000 delivered=0"),
            tscDeadline: true)), StringComparison.Ordinal);

    [Fact]
    public void A_count_left_running_into_TSC_deadline_mode_fails()
    {
        var problems = TimerEdgeRules.Check(
            With("into-deadline", "check=into-deadline tmcct_before_switch=90000000 tmcct_after_switch=1500000 tmcct_after_tmict=65536 delivered=1"), tscDeadline: true);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("the transition disarms the timer", StringComparison.Ordinal));
    }
}
