using Rig.Report;
using Rig.Results;

namespace Rig.Tests.Report;

public sealed class DeviationsSectionTests(SyntheticStoreFixture fixture) : IClassFixture<SyntheticStoreFixture>
{
    private static CaseResult Failed(string evidence) =>
        new("nmi-mce", "fake-nmi", "qemu-kvm", Verdict.Fail, "INT 2 raised #UD", evidence, [], [], "", DateTimeOffset.UnixEpoch, TimeSpan.Zero);

    [Fact]
    public void A_deviation_is_read_as_the_cases_rule_and_its_fail_lines()
    {
        var (rule, observed) = DeviationsSection.Read(Failed(
            "vm: probe exit status 0\noracle: SDM Vol. 3A 6.12.1.1: INT n through a DPL3 gate calls the handler\n" +
            "observed: RIG ev seq=3 what=int vector=2 value=6\nFAIL: INT 2 raised #UD at the instruction\nFAIL: the real NMI was not nested\nPASS: the probe ran to its end"));
        Assert.Equal("SDM Vol. 3A 6.12.1.1: INT n through a DPL3 gate calls the handler", rule);
        Assert.Equal(["INT 2 raised #UD at the instruction", "the real NMI was not nested"], observed);
    }

    [Fact]
    public void Evidence_without_fail_lines_falls_back_to_the_summary() =>
        Assert.Equal(["INT 2 raised #UD"], DeviationsSection.Read(Failed("RIG fail nmi-mce.fake-nmi vector=6")).Observed);

    [Fact]
    public void The_page_lists_each_targets_failed_cases_under_it()
    {
        var directory = Directory.CreateTempSubdirectory("rig-deviations-");
        try
        {
            using var store = Rig.Store.ResultStore.Open(fixture.DatabasePath);
            var (index, _) = ReportWriter.Write(store, SyntheticStore.Release, directory.FullName, new Rig.Compare.ComparisonThresholds());
            var html = File.ReadAllText(index);
            var section = html[html.IndexOf("<h2>Deviations per target</h2>", StringComparison.Ordinal)..];
            section = section[..section.IndexOf("<h2>", 5, StringComparison.Ordinal)];
            Assert.Contains("<h3>qemu-kvm (", section);
            Assert.Contains("<code>apic.isr-priority</code>", section);
            Assert.DoesNotContain("<h3>reference", section);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
