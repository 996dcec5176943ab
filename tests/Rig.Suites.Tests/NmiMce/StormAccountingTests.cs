using Rig.Protocol;
using Rig.Suites.NmiMce.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.NmiMce;

public class StormAccountingTests
{
    private static Record R(string line) => RecordParser.TryParse(line) ?? throw new FormatException(line);

    private static Record Storm(string overrides = "")
    {
        const string Clean = "count=1000 sent=1003 us=500000 delivered=400 pings=56 lost_pings=0 bursts=14 burst_sent=896 burst_delivered=330 " +
                             "empty_bursts=0 over_bursts=0 holds=3 holds_inconclusive=0 hold_sent=51 hold_after=3 bad_holds=0 first_bad_after=0 " +
                             "nested=0 host_nmis=3 host_refused=0 host_unanswered=0 stalls=0";
        var fields = Clean.Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        foreach (var pair in overrides.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')))
        {
            fields[pair[0]] = pair[1];
        }

        return R("RIG storm " + string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}")));
    }

    private static readonly Record Progress = R("RIG storm-progress baseline_per_ms=90000 storm_per_ms=40000 iterations=20000000");

    [Fact]
    public void A_storm_that_obeys_the_one_latched_rule_passes() => Assert.Empty(StormAccounting.Check(Storm(), Progress));

    [Fact]
    public void A_storm_cut_short_by_its_bound_is_judged_on_what_was_sent() => Assert.Empty(StormAccounting.Check(Storm("sent=400"), Progress));

    [Fact]
    public void A_lost_ping_fails() =>
        Assert.Contains("with no NMI pending were never delivered", Assert.Single(StormAccounting.Check(Storm("lost_pings=2"), Progress)));

    [Fact]
    public void A_burst_that_delivered_nothing_fails() =>
        Assert.Contains("delivered none", Assert.Single(StormAccounting.Check(Storm("empty_bursts=1"), Progress)));

    [Fact]
    public void A_burst_that_delivered_more_than_it_sent_fails() =>
        Assert.Contains("more NMIs than were sent", Assert.Single(StormAccounting.Check(Storm("over_bursts=1"), Progress)));

    [Fact]
    public void An_nmi_nested_in_the_handler_fails() =>
        Assert.Contains("still inside its NMI handler", Assert.Single(StormAccounting.Check(Storm("nested=1"), Progress)));

    [Fact]
    public void Two_nmis_after_a_long_handler_fail() =>
        Assert.Contains("followed by 2 NMIs", Assert.Single(StormAccounting.Check(Storm("bad_holds=1 first_bad_after=2"), Progress)));

    [Fact]
    public void A_storm_without_a_conclusive_long_handler_fails() =>
        Assert.Contains("no long-held handler round was conclusive", Assert.Single(StormAccounting.Check(Storm("holds=0 holds_inconclusive=2"), Progress)));

    [Fact]
    public void A_stalled_vcpu_fails_as_a_livelock() =>
        Assert.Contains("livelocked", Assert.Single(StormAccounting.Check(Storm("stalls=1 holds=0"), Progress)));

    [Fact]
    public void A_host_that_stops_answering_fails() =>
        Assert.Contains("stopped responding", Assert.Single(StormAccounting.Check(Storm("host_unanswered=1"), Progress)));

    [Fact]
    public void A_host_that_refuses_an_nmi_fails() =>
        Assert.Contains("refused 1 of 3", Assert.Single(StormAccounting.Check(Storm("host_refused=1"), Progress)));

    [Fact]
    public void A_vcpu_that_made_no_progress_fails() =>
        Assert.Contains("no progress", Assert.Single(StormAccounting.Check(Storm(), R("RIG storm-progress baseline_per_ms=90000 storm_per_ms=0 iterations=0"))));

    [Fact]
    public void Latencies_are_read_in_order_in_microseconds()
    {
        var records = new[] { R("RIG storm-latency from=2 ns=3000,4000"), R("RIG storm-latency from=0 ns=1000,2500") };
        Assert.Equal([1.0, 2.5, 3.0, 4.0], StormAccounting.LatenciesUs(records));
    }
}
