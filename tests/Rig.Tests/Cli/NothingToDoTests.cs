using Rig.Results;
using Rig.Store;
using Rig.Tests.Faults;
using Rig.Tests.Store;

namespace Rig.Tests.Cli;

/// <summary>
/// A selection that leaves the rig nothing to do is the user's mistake, not a result: exit 2 naming the selection,
/// never "0 ok, 0 failed" (which CI reads as green) nor "the kill matrix does not hold" (which reads as an escaped defect).
/// </summary>
[Collection(HostFaultFactAttribute.Collection)]
public sealed class NothingToDoTests
{
    [HostFaultFact]
    public async Task A_filter_that_matches_no_case_exits_2_naming_the_selection_and_the_store_keeps_what_it_held()
    {
        using var checkout = new FaultCheckout("reference");
        using (var store = ResultStore.Open(checkout.Store))
        {
            store.BeginRun(SampleRuns.Run("before", "run-before"));
            store.Add("run-before", SampleRuns.Result("timer-after-reboot", "reference", Verdict.Ok));
            store.EndRun("run-before", SampleRuns.Epoch.AddMinutes(1));
        }

        var (code, output) = await RigCli.RunAsync(checkout.Root, "run", "--suite", "smoke", "--filter", "*[Ss]elf*", "--jobs", "1");

        Assert.True(code == 2, $"exit {code}: {output}");
        Assert.Contains("no case matches --suite smoke, every target, --filter '*[Ss]elf*'", output, StringComparison.Ordinal);
        Assert.Single(checkout.Stored("before"));
    }

    [HostFaultFact]
    public async Task Mutating_a_suite_with_no_seeded_defect_exits_2_naming_the_suites_that_have_some()
    {
        using var checkout = new FaultCheckout("reference");

        var (code, output) = await RigCli.RunAsync(checkout.Root, "mutate", "--suite", "smoke", "--repeat", "1");

        Assert.True(code == 2, $"exit {code}: {output}");
        Assert.Contains("no seeded defect for --suite smoke", output, StringComparison.Ordinal);
        Assert.Contains("time", output, StringComparison.Ordinal);
        Assert.DoesNotContain("kill matrix", output, StringComparison.Ordinal);
    }
}
