using System.Diagnostics;
using NUnit;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using Rig.Cases;
using Rig.Results;

namespace Rig.Runner;

/// <summary>
/// Runs suite assemblies in this process through NUnit's framework API (NUnit.Engine is not available),
/// one test at a time, so each case's result reaches the sink the moment it ends.
/// A test that ended without publishing (an exception escaped, a fixture failed) is recorded as an error here.
/// </summary>
public sealed class SuiteRunner(RigSession session, IRunProgress progress)
{
    /// <summary>Runs the selected cases; every result published meanwhile is counted in <paramref name="tally"/>.</summary>
    public void Run(IReadOnlyList<SuiteAssembly> suites, CaseSelection selection, RunTally tally)
    {
        session.ResultPublished += tally.Add;
        try
        {
            foreach (var suite in suites.Where(s => selection.SelectsSuite(s.Suite)))
            {
                RunOne(suite, selection);
            }
        }
        finally
        {
            session.ResultPublished -= tally.Add;
        }
    }

    private void RunOne(SuiteAssembly suite, CaseSelection selection)
    {
        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());

        // No parallel workers: cases share one machine's KVM and their timing must not be disturbed by each other.
        // Synchronous events: the listener must see TestStarted before the case publishes, to know what a test published.
        var settings = new Dictionary<string, object>
        {
            [FrameworkPackageSettings.NumberOfTestWorkers] = 0,
            [FrameworkPackageSettings.SynchronousEvents] = true,
        };
        runner.Load(suite.Load(), settings);
        if (runner.LoadedTest is not { } loaded || loaded.RunState == RunState.NotRunnable)
        {
            var reason = runner.LoadedTest?.Properties.Get(NUnit.Framework.Internal.PropertyNames.SkipReason) as string ?? "not runnable";
            session.Publish(new CaseResult(suite.Suite, "(load)", "-", Verdict.Error, $"suite {suite.Suite} could not be loaded: {reason}",
                suite.Path, [], [], "", DateTimeOffset.UtcNow, TimeSpan.Zero));
            return;
        }

        runner.Run(new Listener(session, progress, suite.Suite), new SelectionFilter(suite.Suite, selection));
    }

    private sealed class Listener(RigSession session, IRunProgress progress, string suite) : ITestListener
    {
        private readonly Stopwatch _clock = new();
        private int _published;
        private int _publishedAtStart;

        public void TestStarted(ITest test)
        {
            if (test.IsSuite)
            {
                return;
            }

            session.ResultPublished -= Count;
            session.ResultPublished += Count;
            _publishedAtStart = Volatile.Read(ref _published);
            _clock.Restart();
            progress.CaseStarted(test.Id, suite, test.TypeInfo is { } fixture ? KebabCase.From(fixture.Type.Name) : test.Name, SelectionFilter.TargetOf(test) ?? "-");
        }

        public void TestFinished(ITestResult result)
        {
            if (result.Test.IsSuite)
            {
                // A fixture-level failure (OneTimeSetUp threw) leaves its cases without results: record it once.
                if (result.ResultState.Site is FailureSite.SetUp or FailureSite.TearDown && result.ResultState.Status == TestStatus.Failed)
                {
                    session.Publish(Unjudged(result, SelectionFilter.TargetOf(result.Test) ?? "-"));
                }

                return;
            }

            var target = SelectionFilter.TargetOf(result.Test) ?? "-";
            if (session.TakeIncomplete() is { } partial)
            {
                session.Publish(partial with { Summary = FirstLine(result.Message), Evidence = partial.Evidence + Details(result) });
            }
            else if (Volatile.Read(ref _published) == _publishedAtStart && result.ResultState.Status == TestStatus.Failed)
            {
                session.Publish(Unjudged(result, target));
            }

            progress.CaseFinished(result.Test.Id, VerdictOf(result), _clock.Elapsed, FirstLine(result.Message));
        }

        public void TestOutput(TestOutput output)
        {
        }

        public void SendMessage(TestMessage message)
        {
        }

        private static Verdict VerdictOf(ITestResult result) => result.ResultState.Status switch
        {
            TestStatus.Passed => Verdict.Ok,
            TestStatus.Failed when result.ResultState.Label is "Error" or "Cancelled" or "Invalid" => Verdict.Error,
            TestStatus.Failed => Verdict.Fail,
            _ => Verdict.Skip,
        };

        private CaseResult Unjudged(ITestResult result, string target) =>
            new(suite, result.Test.Name, target, Verdict.Error, $"the test ended without a case result: {FirstLine(result.Message)}",
                Details(result), [], [], result.Output, DateTimeOffset.UtcNow - TimeSpan.FromSeconds(result.Duration), TimeSpan.FromSeconds(result.Duration));

        private static string Details(ITestResult result) => $"nunit: {result.ResultState}\n{result.Message}\n{result.StackTrace}\n";

        private static string FirstLine(string? message) => (message ?? "").Split('\n', 2)[0].Trim();

        private void Count(CaseResult _) => Interlocked.Increment(ref _published);
    }
}
