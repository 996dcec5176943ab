using System.CommandLine;
using Rig.Compare;
using Rig.Report;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary><c>rig report</c>: the static HTML page of a release, results/&lt;release&gt;/index.html, with its plots.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var release = CommonOptions.Release("Release to report (default: as rig run names it)");
        var baseline = new Option<string?>("--baseline") { Description = "Release to compare with (default: the release before it in the store)" };
        var store = CommonOptions.Store();
        var command = new Command("report", "Write the HTML report of a release (verdict matrix, evidence, plots, kill matrix, comparison)")
        {
            release, baseline, store,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var environment = RigEnvironment.Load(parse.GetValue(release), parse.GetValue(store));
            using var results = environment.OpenStore();
            var (index, warnings) = ReportWriter.Write(results, environment.Release, environment.ResultsDirectory, environment.Options.Compare.Thresholds, parse.GetValue(baseline));
            foreach (var warning in warnings)
            {
                AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
            }

            AnsiConsole.MarkupLine($"report: {Markup.Escape(index)}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
