using System.Globalization;
using Rig.Cases;
using Rig.Hosting;
using Rig.Junit;
using Rig.Results;
using Rig.Runner;
using Rig.Store;
using Rig.Targets;

namespace Rig.Cli;

/// <summary>One recorded run: host facts and target versions first, then every selected case, then JUnit XML.</summary>
public sealed class RunExecution(RigEnvironment environment, ResultStore store, string release)
{
    public (RunInfo Run, RunTally Tally) Execute(IReadOnlyList<SuiteAssembly> suites, CaseSelection selection, int repeats, string? defect)
    {
        var started = DateTimeOffset.UtcNow;
        var runId = string.Create(CultureInfo.InvariantCulture, $"{started:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}");
        var session = new RigSession(environment.RepoRoot, environment.Options, store, runId) { Defect = defect };
        var targets = session.Targets.Where(t => selection.SelectsTarget(t.Name)).Select(Describe).ToList();
        var run = new RunInfo(runId, release, started, HostFactsProbe.Collect(), targets, defect);

        store.BeginRun(run);
        RigSession.Current = session;
        var progress = new LiveProgress();
        var runner = new SuiteRunner(session, progress);
        var tally = new RunTally();
        progress.Show(() =>
        {
            for (var repeat = 0; repeat < repeats; repeat++)
            {
                session.Repeat = repeat;
                runner.Run(suites, selection, tally);
            }

            return tally;
        });
        store.EndRun(runId, DateTimeOffset.UtcNow);
        JunitWriter.Write(JunitWriter.DefaultPath(environment.ResultsDirectory, run), run, store.Results(runId));
        return (run, tally);
    }

    private static TargetInfo Describe(ITarget target)
    {
        var availability = target.Probe();
        return new TargetInfo(target.Name, availability.Available, availability.Reason, availability.Version);
    }
}
