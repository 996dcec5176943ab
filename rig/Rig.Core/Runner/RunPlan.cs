using NUnit;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using Rig.Cases;
using Rig.Results;

namespace Rig.Runner;

/// <summary>
/// The rows a run executes, found by loading each selected suite into NUnit and walking its test tree with the
/// selection, in <see cref="CaseRow.Key"/> order; a suite NUnit cannot load is an error result of its own.
/// </summary>
public sealed record RunPlan(IReadOnlyList<CaseRow> Rows, IReadOnlyList<CaseResult> LoadFailures)
{
    /// <summary>No parallel NUnit workers (the rig schedules rows itself); synchronous events, so the listener sees TestStarted first.</summary>
    internal static readonly Dictionary<string, object> NUnitSettings = new()
    {
        [FrameworkPackageSettings.NumberOfTestWorkers] = 0,
        [FrameworkPackageSettings.SynchronousEvents] = true,
    };

    public static RunPlan Build(IReadOnlyList<SuiteAssembly> suites, CaseSelection selection)
    {
        var rows = new List<CaseRow>();
        var failures = new List<CaseResult>();
        foreach (var suite in suites.Where(s => selection.SelectsSuite(s.Suite)))
        {
            if (Load(suite) is not { } loaded)
            {
                continue;
            }

            if (loaded.RunState == RunState.NotRunnable)
            {
                var reason = loaded.Properties.Get(NUnit.Framework.Internal.PropertyNames.SkipReason) as string ?? "not runnable";
                failures.Add(new CaseResult(suite.Suite, "(load)", "-", Verdict.Error, $"suite {suite.Suite} could not be loaded: {reason}",
                    suite.Path, [], [], "", DateTimeOffset.UtcNow, TimeSpan.Zero));
                continue;
            }

            var filter = new SelectionFilter(suite.Suite, selection);
            rows.AddRange(Leaves(loaded).Where(filter.Match).Select(test => RowOf(suite.Suite, test)));
        }

        return new RunPlan([.. rows.OrderBy(r => r.Key, StringComparer.Ordinal)], failures);
    }

    /// <summary>The rows this shard owns (<see cref="Shard"/>); load failures stay with shard 1 so they are reported once.</summary>
    public RunPlan For(Shard shard) => new(shard.Select(Rows), shard.Index == 1 ? LoadFailures : []);

    /// <summary>A fresh NUnit runner holding the suite's test tree: one per worker, since a runner runs one thing at a time.</summary>
    internal static NUnitTestAssemblyRunner NewRunner(SuiteAssembly suite)
    {
        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
        runner.Load(suite.Load(), NUnitSettings);
        return runner;
    }

    private static ITest? Load(SuiteAssembly suite) => NewRunner(suite).LoadedTest;

    private static IEnumerable<ITest> Leaves(ITest test) =>
        test.IsSuite ? test.Tests.SelectMany(Leaves) : [test];

    private static CaseRow RowOf(string suite, ITest test)
    {
        var fixture = test.TypeInfo?.Type;
        var quiet = fixture?.GetCustomAttributes(typeof(QuietHostAttribute), inherit: false).Cast<QuietHostAttribute>().FirstOrDefault();
        return new CaseRow(suite, fixture is null ? test.Name : KebabCase.From(fixture.Name), SelectionFilter.TargetOf(test) ?? "-",
            test.FullName, quiet?.Reason);
    }
}
