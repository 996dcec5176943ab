using System.Collections.Concurrent;
using System.Diagnostics;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using Rig.Cases;
using Rig.Hosting;
using Rig.Results;
using Rig.Targets;

namespace Rig.Runner;

/// <summary>
/// Runs a <see cref="RunPlan"/>'s rows in this process through NUnit's framework API (NUnit.Engine is not available),
/// each row's result reaching the sink the moment it ends. With <c>jobs</c> &gt; 1, that many workers take rows from one
/// queue, each with its own NUnit runners and its own host CPUs (<see cref="HostCpuSlots"/>); rows whose fixture asks for
/// a <see cref="QuietHostAttribute"/>, and every row of a target that serves one case at a time
/// (<see cref="ITarget.RunsOneCaseAtATime"/>), run afterwards, one at a time and unpinned, the latter target by target
/// with each target released after its last row (<see cref="RunPhases"/>). A row's verdict comes from its case
/// alone (<see cref="CaseScope"/>), so it is the same whichever rows ran beside it.
/// A test that ended without publishing (an exception escaped, a fixture failed) is recorded as an error here.
/// </summary>
public sealed class SuiteRunner(RigSession session, IRunProgress progress, IReadOnlyList<SuiteAssembly> suites)
{
    public void Run(RunPlan plan, int repeats, int jobs, RunTally tally)
    {
        // NUnit swaps Console.Out/Error for the length of each run and puts back what it found; runs that overlap
        // would put back each other's capture.
        var (stdout, stderr) = (Console.Out, Console.Error);
        session.ResultPublished += tally.Add;
        try
        {
            foreach (var failure in plan.LoadFailures)
            {
                session.Publish(failure);
            }

            var units = Enumerable.Range(0, repeats).SelectMany(repeat => plan.Rows.Select(row => new Unit(row, repeat))).ToList();
            progress.RunPlanned(units.Count, jobs);
            foreach (var phase in RunPhases.Plan(units, u => u.Row, parallel: jobs > 1, SharesOneMachine))
            {
                RunOnWorkers(phase.Units, phase.Parallel ? new HostCpuSlots(ThreadAffinity.AllowedCpus(), jobs) : new HostCpuSlots([], 1));
                if (phase.ThenRelease is { } target)
                {
                    session.Target(target).Release();
                }
            }
        }
        finally
        {
            session.ResultPublished -= tally.Add;
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    private bool SharesOneMachine(string target) => session.Targets.Any(t => t.Name == target && t.RunsOneCaseAtATime);

    private void RunOnWorkers(IEnumerable<Unit> units, HostCpuSlots slots)
    {
        var queue = new ConcurrentQueue<Unit>(units);
        var workers = Enumerable.Range(0, slots.Count).Select(k => new Thread(() => Work(queue, slots[k]))
        {
            IsBackground = true,
            Name = $"rig worker {k}",
        }).ToList();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }
    }

    private void Work(ConcurrentQueue<Unit> queue, IReadOnlyList<int>? cpus)
    {
        ChildCpuSet.Use(cpus);
        var runners = new Dictionary<string, NUnitTestAssemblyRunner>(StringComparer.Ordinal);
        while (RunStop.Reason is null && queue.TryDequeue(out var unit))
        {
            if (!runners.TryGetValue(unit.Row.Suite, out var runner))
            {
                runner = RunPlan.NewRunner(suites.First(s => s.Suite == unit.Row.Suite));
                runners[unit.Row.Suite] = runner;
            }

            var scope = session.EnterCase(unit.Repeat);
            runner.Run(new Listener(session, progress, unit, scope), new RowFilter(unit.Row));
        }
    }

    private sealed record Unit(CaseRow Row, int Repeat)
    {
        public string Id => $"{Row.Key}#{Repeat}";
    }

    private sealed class Listener(RigSession session, IRunProgress progress, Unit unit, CaseScope scope) : ITestListener
    {
        private readonly Stopwatch _clock = new();
        private int _publishedAtStart;

        public void TestStarted(ITest test)
        {
            if (test.IsSuite)
            {
                return;
            }

            _publishedAtStart = scope.Published;
            _clock.Restart();
            progress.CaseStarted(unit.Id, unit.Row.Suite, unit.Row.Case, unit.Row.Target);
        }

        public void TestFinished(ITestResult result)
        {
            if (result.Test.IsSuite)
            {
                // A fixture-level failure (OneTimeSetUp threw) leaves its cases without results: record it once.
                if (result.ResultState.Site is FailureSite.SetUp or FailureSite.TearDown && result.ResultState.Status == TestStatus.Failed)
                {
                    Publish(Unjudged(result, SelectionFilter.TargetOf(result.Test) ?? "-"));
                }

                return;
            }

            if (scope.TakeIncomplete() is { } partial)
            {
                Publish(partial with { Summary = FirstLine(result.Message), Evidence = partial.Evidence + Details(result) });
            }
            else if (scope.Published == _publishedAtStart && result.ResultState.Status == TestStatus.Failed)
            {
                Publish(Unjudged(result, unit.Row.Target));
            }

            progress.CaseFinished(unit.Id, VerdictOf(result), _clock.Elapsed, FirstLine(result.Message));
        }

        /// <summary>
        /// A store that fails here has already stopped the run (<see cref="RigSession.Publish"/>); the exception must not
        /// escape into NUnit's worker, which would take the process down before the rig can say what it kept.
        /// </summary>
        private void Publish(CaseResult result)
        {
            try
            {
                session.Publish(result);
            }
            catch (Store.StoreException)
            {
                // RunStop holds the reason; RunExecution reports it.
            }
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
            new(unit.Row.Suite, unit.Row.Case, target, Verdict.Error, $"the test ended without a case result: {FirstLine(result.Message)}",
                Details(result), [], [], result.Output, DateTimeOffset.UtcNow - TimeSpan.FromSeconds(result.Duration), TimeSpan.FromSeconds(result.Duration));

        private static string Details(ITestResult result) => $"nunit: {result.ResultState}\n{result.Message}\n{result.StackTrace}\n";

        private static string FirstLine(string? message) => (message ?? "").Split('\n', 2)[0].Trim();
    }
}
