using System.Globalization;
using Rig.Protocol;
using Rig.Suites.Evtchn.Oracles;
using Rig.Suites.Evtchn.Records;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Evtchn;

/// <summary>The evtchn oracles on hand-written records: what the design allows passes, each way seed 003's bugs show fails.</summary>
public sealed class EvtchnOracleTests
{
    [Fact]
    public void Every_abi_check_as_the_design_says_passes_and_a_wrong_errno_fails()
    {
        var records = FifoAbiRules.Rules.Select(r => Parse($"RIG evcheck check={r.Check} got={r.Expected}")).ToList();
        Assert.Empty(FifoAbiRules.Check(records, FifoAbiRules.Rules));

        records[0] = Parse($"RIG evcheck check={FifoAbiRules.Rules[0].Check} got=-22");
        var problem = Assert.Single(FifoAbiRules.Check(records, FifoAbiRules.Rules));
        Assert.Contains("got -22", problem);
    }

    [Fact]
    public void A_missing_abi_check_is_a_problem_never_a_pass()
    {
        Assert.Equal(FifoAbiRules.Rules.Count, FifoAbiRules.Check([], FifoAbiRules.Rules).Count);
    }

    [Fact]
    public void Without_the_other_domain_the_checks_within_the_domain_are_judged_and_the_interdomain_ones_are_not_asked_for()
    {
        // xen-tcg, session 13: the 18 checks within the domain as the design says, no host port to check further.
        var within = FifoAbiRules.For(otherDomain: false);
        var records = within.Select(r => Parse($"RIG evcheck check={r.Check} got={r.Expected}")).ToList();

        Assert.Equal(FifoAbiRules.Rules.Count - FifoAbiRules.Interdomain.Count, within.Count);
        Assert.Empty(FifoAbiRules.Check(records, within));
        Assert.Equal(FifoAbiRules.Interdomain, FifoAbiRules.Check(records, FifoAbiRules.For(otherDomain: true)).Select(p => p.Split(':')[0]));

        records[^1] = Parse($"RIG evcheck check={within[^1].Check} got=99");
        Assert.Contains("got 99", Assert.Single(FifoAbiRules.Check(records, within)));
    }

    [Theory]
    [InlineData(90, 100, 10, 0, 0)] // every fresh PENDING handled once
    [InlineData(89, 100, 10, 0, 1)] // one lost
    [InlineData(91, 100, 10, 0, 1)] // one duplicated
    [InlineData(89, 100, 10, 1, 2)] // lost, and the hypervisor says it gave up
    public void Handled_events_equal_sends_minus_coalesced(long handled, long sends, long coalesced, long lost, int problems)
    {
        Assert.Equal(problems, EventAccounting.Check(handled, sends, coalesced, lost).Count);
    }

    [Theory]
    [InlineData(90, 100, 10, 0)]
    [InlineData(87, 100, 10, 3)]
    [InlineData(95, 100, 10, 0)] // duplicates are not losses
    public void The_loss_count_is_what_the_guest_never_handled(long handled, long sends, long coalesced, long lost)
    {
        Assert.Equal(lost, EventAccounting.Lost(handled, sends, coalesced));
    }

    [Fact]
    public void A_bounded_set_link_and_delivered_rounds_pass()
    {
        Assert.Empty(HostileRounds.Check(Rounds(nextHandled: 1, ownHandled: 1, sendNs: "8000000"), mostSetLinkRetries: 3, lost: 1));
    }

    [Fact]
    public void An_unbounded_set_link_fails_by_its_retries_and_a_stalled_send()
    {
        var problems = HostileRounds.Check(Rounds(1, 1, TailRoundRecord.StalledSendNs.ToString(CultureInfo.InvariantCulture)), mostSetLinkRetries: 200, lost: 0);
        Assert.Contains(problems, p => p.Contains("bounds it at 3"));
        Assert.Contains(problems, p => p.Contains("stalled sender"));
    }

    [Fact]
    public void An_event_lost_to_allowed_writes_fails()
    {
        var problems = HostileRounds.Check(Rounds(nextHandled: 0, ownHandled: 1, sendNs: "8000000"), mostSetLinkRetries: 3, lost: 2);
        Assert.Contains(problems, p => p.Contains("allowed writes"));
        Assert.Contains(problems, p => p.Contains("more than the 1 hostile"));
    }

    [Fact]
    public void The_well_behaved_vcpu_losing_its_event_fails()
    {
        Assert.Single(HostileRounds.Check(Rounds(1, ownHandled: 0, sendNs: "8000000"), 3, 1));
    }

    private static Record[] Rounds(long nextHandled, long ownHandled, string sendNs) =>
    [
        Parse($"RIG evround writes=allowed next_handled={nextHandled} send_ns={sendNs}"),
        Parse($"RIG evround writes=hostile next_handled=0 send_ns={sendNs} own_handled={ownHandled} own_send_ns=100000"),
    ];

    private static Record Parse(string line) => RecordParser.TryParse(line)!;
}
