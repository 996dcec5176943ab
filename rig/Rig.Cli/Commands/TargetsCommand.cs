using System.CommandLine;
using Rig.Cases;
using Rig.Config;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary><c>rig targets</c>: every configured target, whether it can run here, and why not.</summary>
public static class TargetsCommand
{
    public static Command Create()
    {
        var command = new Command("targets", "List the configured targets: available or not (and why), and their versions");
        var json = CommonOptions.Json();
        command.Options.Add(json);
        command.SetAction(parse => CliErrors.Guard(() => Execute(parse.GetValue(json))));
        return command;
    }

    private static int Execute(bool json)
    {
        if (json)
        {
            JsonOutput.Begin();
        }

        var environment = RigEnvironment.Load();
        var session = new RigSession(environment.RepoRoot, environment.Options, sink: null, runId: "targets");
        var table = new Table().AddColumns("target", "kind", "available", "version", "default run", "reason");
        var rows = new List<TargetJson>();
        foreach (var target in session.Targets)
        {
            var availability = target.Probe();
            var options = environment.Options.Targets[target.Name];
            rows.Add(new TargetJson(target.Name, options.Kind, availability.Available, availability.Version, availability.Reason));
            table.AddRow(
                Markup.Escape(target.Name),
                Markup.Escape(options.Kind),
                availability.Available ? "[green]yes[/]" : "[yellow]no[/]",
                Markup.Escape(availability.Version),
                Markup.Escape(options.DefaultSuites.Count == 0 ? "every suite" : string.Join(", ", options.DefaultSuites)),
                Markup.Escape(availability.Reason ?? ""));
        }

        if (json)
        {
            JsonOutput.Write(JsonOutput.Targets(rows));
            return ExitCodes.Ok;
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]configuration: {Markup.Escape(Path.Combine(environment.RepoRoot, RigConfiguration.FileName))}[/]");
        return ExitCodes.Ok;
    }
}
