using System.CommandLine;
using Rig.Results;
using Rig.Runner;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary><c>rig run</c>: the selected suites on the selected targets, each result stored as it ends.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var suite = new Option<string[]>("--suite") { Description = "Suites to run, e.g. time,apic (default: every built suite; a target with defaultSuites in rig.json runs those unless named)", AllowMultipleArgumentsPerToken = true };
        var target = new Option<string[]>("--target") { Description = "Targets to run on, e.g. reference,qemu-kvm (default: every configured target, each with the suites its defaultSuites names)", AllowMultipleArgumentsPerToken = true };
        var release = CommonOptions.Release();
        var store = CommonOptions.Store();
        var repeat = CommonOptions.Repeat("Run every case N times (timing verdicts are statistical)", 1);
        var filter = new Option<string?>("--filter") { Description = "Glob on the case's test name, class or full NUnit name, e.g. '*Reboot*'" };
        var json = CommonOptions.Json();
        var jobs = new Option<int?>("--jobs") { Description = $"Rows (case × target) run at once, each VM on its own host CPUs (default: what this host's CPUs and memory afford, {JobCount.AffordableHere()} here; 1 runs them one by one)" };
        var shard = new Option<string?>("--shard") { Description = "Run only shard I of N of the selected rows, e.g. 1/2 (a CI matrix: every job the same flags, its own I)" };
        var seed = CommonOptions.Seed();
        var profile = CommonOptions.Profile();
        var command = new Command("run", "Run suites against targets and store the results (exit 1 if any case failed or errored)")
        {
            suite, target, release, store, repeat, filter, json, jobs, shard, seed, profile,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            if (parse.GetValue(json))
            {
                JsonOutput.Begin();
            }

            var environment = RigEnvironment.Load(parse.GetValue(release), parse.GetValue(store), parse.GetValue(profile));
            var selection = Selection.Build(environment, parse.GetValue(suite), parse.GetValue(target), parse.GetValue(filter), out var suites);
            var settings = new RunSettings(environment.Options.Profile, CommonOptions.Repeats(parse.GetValue(repeat)), CommonOptions.SeedOrNew(parse.GetValue(seed)));
            return Execute(environment, suites, selection, ParseShard(parse.GetValue(shard)), settings, Jobs(parse.GetValue(jobs)), parse.GetValue(json));
        }));
        return command;
    }

    private static int Jobs(int? jobs) => jobs switch
    {
        null => JobCount.AffordableHere(),
        < 1 or > 1024 => throw new RigUsageException($"--jobs: must be between 1 and 1024 (got {jobs})"),
        _ => jobs.Value,
    };

    private static Shard ParseShard(string? text)
    {
        try
        {
            return text is null ? Shard.Whole : Shard.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new RigUsageException(e.Message);
        }
    }

    private static int Execute(
        RigEnvironment environment, IReadOnlyList<SuiteAssembly> suites, CaseSelection selection, Shard shard, RunSettings settings, int jobs, bool json)
    {
        using var store = environment.OpenStore();
        var release = environment.Release;
        var (run, tally) = new RunExecution(environment, store, release).Execute(suites, selection, shard, settings, jobs, defect: null);
        foreach (var target in run.Targets.Where(t => !t.Available))
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(target.Name)} unavailable:[/] {Markup.Escape(target.Reason ?? "")}");
        }

        foreach (var (target, only) in selection.TargetSuites.Where(t => run.Targets.Any(r => r.Name == t.Key)))
        {
            AnsiConsole.MarkupLine(
                $"{Markup.Escape(target)} ran {Markup.Escape(string.Join(", ", only.Order(StringComparer.Ordinal)))} only (rig.json defaultSuites; --target {Markup.Escape(target)} runs every suite)");
        }

        foreach (var failure in tally.Failures)
        {
            AnsiConsole.MarkupLine($"{LiveProgress.Badge(failure.Verdict)} {Markup.Escape($"{failure.Suite}.{failure.Case} on {failure.Target}: {failure.Summary}")}");
        }

        if (json)
        {
            JsonOutput.Write(JsonOutput.Run(run, store.Results(run.RunId)));
        }

        var sharded = shard == Shard.Whole ? "" : $", shard {shard}";
        AnsiConsole.MarkupLine($"release {Markup.Escape(release)}, run {Markup.Escape(run.RunId)}{sharded} (profile {Markup.Escape(settings.Profile)}, seed {settings.Seed}, {jobs} at a time): {tally} -> {Markup.Escape(store.Location.Display)}");
        return tally.Clean ? ExitCodes.Ok : ExitCodes.CasesFailedOrRegressed;
    }
}
