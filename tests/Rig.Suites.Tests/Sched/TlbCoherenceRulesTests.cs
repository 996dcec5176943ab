using Rig.Protocol;
using Rig.Suites.Sched.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Sched;

public class TlbCoherenceRulesTests
{
    private static Record Line(string text) => RecordParser.TryParse(text)!;

    private static Record Summary(int vm, int cpu, long generations = 4000) =>
        Line($"RIG tlb vm={vm} cpu={cpu} generations={generations} checks=90000 us=2000000");

    private static readonly Record[] AllSummed = [Summary(1, 0), Summary(1, 1)];

    [Fact]
    public void Every_vcpu_checking_to_the_end_with_no_stale_read_passes() => Assert.Empty(TlbCoherenceRules.Check(AllSummed, [1], 2));

    [Fact]
    public void A_read_of_the_previous_generations_page_after_the_shootdown_fails_naming_it()
    {
        var stale = Line("RIG stale vm=1 cpu=1 generation=812 seen=811 invalidation=invlpg");

        var problem = Assert.Single(TlbCoherenceRules.Check([.. AllSummed, stale], [1], 2));

        Assert.Equal("VM 1 vCPU 1: read the previous generation's page through the window in generation 812, after its invlpg and the shootdown", problem);
    }

    [Fact]
    public void A_vcpu_without_a_summary_did_not_check_and_fails() =>
        Assert.Contains("VM 1 vCPU 1 never summed up", Assert.Single(TlbCoherenceRules.Check(AllSummed[..1], [1], 2)));

    [Fact]
    public void A_run_that_remapped_nothing_checked_nothing_and_fails() =>
        Assert.Contains("VM 1 remapped nothing", Assert.Single(TlbCoherenceRules.Check([Summary(1, 0, generations: 0), Summary(1, 1)], [1], 2)));

    [Fact]
    public void The_remap_rate_counts_vcpu_0_of_each_vm() =>
        Assert.Equal(2000.0, TlbCoherenceRules.GenerationsPerSecond(AllSummed));
}
