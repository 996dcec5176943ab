using System.CommandLine;
using Rig.Runner;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary><c>rig run</c>: the selected suites on the selected targets, each result stored as it ends.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var suite = new Option<string[]>("--suite") { Description = "Suites to run, e.g. time,apic (default: every built suite)", AllowMultipleArgumentsPerToken = true };
        var target = new Option<string[]>("--target") { Description = "Targets to run on, e.g. reference,qemu-kvm (default: every configured target)", AllowMultipleArgumentsPerToken = true };
        var release = CommonOptions.Release();
        var store = CommonOptions.Store();
        var repeat = CommonOptions.Repeat("Run every case N times (timing verdicts are statistical)", 1);
        var filter = new Option<string?>("--filter") { Description = "Glob on the case's test name, class or full NUnit name, e.g. '*Reboot*'" };
        var json = CommonOptions.Json();
        var command = new Command("run", "Run suites against targets and store the results (exit 1 if any case failed or errored)")
        {
            suite, target, release, store, repeat, filter, json,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            if (parse.GetValue(json))
            {
                JsonOutput.Begin();
            }

            var environment = RigEnvironment.Load(parse.GetValue(release), parse.GetValue(store));
            var selection = Selection.Build(environment, parse.GetValue(suite), parse.GetValue(target), parse.GetValue(filter), out var suites);
            return Execute(environment, suites, selection, CommonOptions.Repeats(parse.GetValue(repeat)), parse.GetValue(json));
        }));
        return command;
    }

    private static int Execute(RigEnvironment environment, IReadOnlyList<SuiteAssembly> suites, CaseSelection selection, int repeats, bool json)
    {
        using var store = environment.OpenStore();
        var release = environment.Release;
        var (run, tally) = new RunExecution(environment, store, release).Execute(suites, selection, repeats, defect: null);
        foreach (var target in run.Targets.Where(t => !t.Available))
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(target.Name)} unavailable:[/] {Markup.Escape(target.Reason ?? "")}");
        }

        foreach (var failure in tally.Failures)
        {
            AnsiConsole.MarkupLine($"{LiveProgress.Badge(failure.Verdict)} {Markup.Escape($"{failure.Suite}.{failure.Case} on {failure.Target}: {failure.Summary}")}");
        }

        if (json)
        {
            JsonOutput.Write(JsonOutput.Run(run, store.Results(run.RunId)));
        }

        AnsiConsole.MarkupLine($"release {Markup.Escape(release)}, run {Markup.Escape(run.RunId)}: {tally} -> {Markup.Escape(store.Location.Display)}");
        return tally.Clean ? ExitCodes.Ok : ExitCodes.CasesFailedOrRegressed;
    }
}
