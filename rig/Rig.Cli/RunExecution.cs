using System.Globalization;
using Rig.Cases;
using Rig.Hosting;
using Rig.Junit;
using Rig.Results;
using Rig.Runner;
using Rig.Store;
using Rig.Targets;

namespace Rig.Cli;

/// <summary>One recorded run: host facts, target versions and the run's settings first, then every planned row, then JUnit XML.</summary>
public sealed class RunExecution(RigEnvironment environment, ResultStore store, string release)
{
    /// <summary>Runs this <paramref name="shard"/>'s rows of the selection, <paramref name="jobs"/> at a time.</summary>
    public (RunInfo Run, RunTally Tally) Execute(
        IReadOnlyList<SuiteAssembly> suites, CaseSelection selection, Shard shard, RunSettings settings, int jobs, string? defect)
    {
        var started = DateTimeOffset.UtcNow;
        var runId = string.Create(CultureInfo.InvariantCulture, $"{started:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}");
        var session = new RigSession(environment.RepoRoot, environment.Options, store, runId) { Defect = defect, Seed = settings.Seed };

        // The session first: loading a suite evaluates its target rows (ConfiguredTargets) against it.
        RigSession.Current = session;
        var whole = RunPlan.Build(suites, selection);
        if (whole.Rows.Count == 0 && whole.LoadFailures.Count == 0)
        {
            // A typo in a filter must not read as a green run of nothing ("0 ok, 0 failed", exit 0).
            throw new RigUsageException($"no case matches {selection.Describe()}; nothing was run");
        }

        var plan = whole.For(shard);
        var planned = plan.Rows.Select(r => r.Target).ToHashSet(StringComparer.Ordinal);
        var targets = session.Targets.Where(t => planned.Contains(t.Name)).Select(Describe).ToList();
        var run = new RunInfo(runId, release, started, HostFactsProbe.Collect(), targets, defect, settings);

        store.BeginRun(run);
        RunStop.Arm();
        var progress = new LiveProgress();
        var runner = new SuiteRunner(session, progress, suites);
        var tally = new RunTally();
        progress.Show(() =>
        {
            runner.Run(plan, settings.Repeats, jobs, tally);
            return tally;
        });
        if (RunStop.Reason is { } stopped)
        {
            // No EndRun: a run without an end is one that did not finish (as after SIGKILL); what it recorded stays.
            throw new RunStoppedException(runId, stopped, StoredSoFar(runId));
        }

        store.EndRun(runId, DateTimeOffset.UtcNow);
        JunitWriter.Write(JunitWriter.DefaultPath(environment.ResultsDirectory, run), run, store.Results(runId));
        return (run, tally);
    }

    private string StoredSoFar(string runId)
    {
        try
        {
            return $"{store.Results(runId).Count} results of it are in {store.Location.Display}";
        }
        catch (StoreException e)
        {
            return $"the store cannot be read now ({e.Message}); every result committed before stays in it";
        }
    }

    private static TargetInfo Describe(ITarget target)
    {
        var availability = target.Probe();
        return new TargetInfo(target.Name, availability.Available, availability.Reason, availability.Version);
    }
}
