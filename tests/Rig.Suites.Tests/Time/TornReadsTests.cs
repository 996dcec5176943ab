using Rig.Protocol;
using Rig.Suites.Time.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Time;

public class TornReadsTests
{
    private static Record Torn(string clock, int cpu, long retries, long torn = 0, long back = 0) =>
        RecordParser.TryParse(
            $"RIG torn clock={clock} cpu={cpu} reads=5000000 updates=180 retries_odd={retries} retries_changed=0 torn={torn} " +
            $"back={back} worst_back_ns={(back > 0 ? 2_000_000 : 0)}" +
            (torn > 0 ? " first_torn_version=364 first_torn_was=1000000 first_torn_now=3000000" : ""))!;

    [Fact]
    public void Readers_that_retried_and_never_took_a_torn_copy_pass()
    {
        Record[] records = [Torn("kvmclock", 0, 9000), Torn("kvmclock", 1, 0), Torn("xenclock", 0, 12), Torn("xenclock", 1, 7)];

        Assert.Empty(TornReads.Check(records));
        Assert.Empty(TornReads.Untested(records));
        Assert.Equal(9000, TornReads.Retries(records, "kvmclock"));
    }

    [Fact]
    public void An_accepted_torn_copy_fails_with_its_version_and_both_system_times()
    {
        var problem = Assert.Single(TornReads.Check([Torn("xenclock", 1, 0, torn: 3)]));

        Assert.Contains("xenclock on vCPU 1: 3 of 5000000 copies the version protocol accepted were torn", problem);
        Assert.Contains("version 364 read with system_time 1000000, then 3000000", problem);
    }

    [Fact]
    public void Time_stepping_back_from_accepted_copies_fails_with_its_size() =>
        Assert.Contains("stepped back 2 times, worst 2 ms", Assert.Single(TornReads.Check([Torn("kvmclock", 0, 50, back: 2)])));

    [Fact]
    public void A_clock_whose_readers_never_met_an_update_is_untested_not_passed()
    {
        Record[] records = [Torn("kvmclock", 0, 0), Torn("kvmclock", 1, 0), Torn("xenclock", 0, 4)];

        Assert.Equal(["kvmclock"], TornReads.Untested(records));
    }

    [Fact]
    public void A_torn_copy_counts_as_meeting_an_update_so_the_defect_is_judged_not_untested() =>
        Assert.Empty(TornReads.Untested([Torn("kvmclock", 0, 0, torn: 1)]));

    [Fact]
    public void A_truncated_record_is_unreadable_and_left_out()
    {
        var truncated = RecordParser.TryParse("RIG torn clock=kvmclock cpu=0 reads=5000000 updates=180 retries_odd=0 retries_cha")!;

        Assert.Same(truncated, Assert.Single(TornReads.Unreadable([truncated])));
        Assert.Empty(TornReads.Check([truncated]));
        Assert.Empty(TornReads.Untested([truncated]));
    }
}
