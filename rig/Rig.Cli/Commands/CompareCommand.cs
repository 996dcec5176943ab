using System.CommandLine;
using Rig.Compare;
using Rig.Results;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary><c>rig compare R --baseline B</c>: pass→fail and metric drift regressions of R against B (exit 1 if any).</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var release = new Argument<string>("release") { Description = "The release to judge" };
        var baseline = new Option<string>("--baseline") { Description = "The release it is compared with", Required = true };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json();
        var command = new Command("compare", "Compare a release with its baseline: verdict regressions and metric drift (exit 1 on any regression)")
        {
            release, baseline, store, json,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            if (parse.GetValue(json))
            {
                JsonOutput.Begin();
            }

            var environment = RigEnvironment.Load(store: parse.GetValue(store));
            using var results = environment.OpenStore();
            var current = parse.GetValue(release)!;
            var basis = parse.GetValue(baseline)!;
            var known = results.Releases();
            foreach (var name in new[] { current, basis }.Where(n => !known.Contains(n)))
            {
                throw new RigUsageException($"no release '{name}' in {results.Location.Display}; it has: {string.Join(", ", known)}");
            }

            var comparison = ReleaseComparer.Compare(results.LoadRelease(basis), results.LoadRelease(current), environment.Options.Compare.Thresholds);
            Print(comparison);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(JsonOutput.Compare(comparison));
            }

            return comparison.ExitCode;
        }));
        return command;
    }

    private static void Print(Comparison comparison)
    {
        var verdicts = new Table().AddColumns("case", "target", comparison.Baseline, comparison.Release, "change");
        foreach (var change in comparison.VerdictChanges)
        {
            verdicts.AddRow(Markup.Escape(change.Key.CaseName), Markup.Escape(change.Key.Target),
                change.Baseline?.ToWire() ?? "-", change.Current?.ToWire() ?? "-", Markup.Escape(change.Kind.ToString()));
        }

        AnsiConsole.Write(verdicts);
        var drifts = new Table().AddColumns("case", "target", "metric", "baseline median", "median", "p", "verdict");
        foreach (var drift in comparison.Drifts)
        {
            drifts.AddRow(Markup.Escape(drift.Key.CaseName), Markup.Escape(drift.Key.Target), Markup.Escape(drift.Metric),
                $"{drift.BaselineMedian:G4}", $"{drift.CurrentMedian:G4}", drift.Test is { } test ? $"{test.PValue:G3}" : "n/a", Markup.Escape(drift.Kind.ToString()));
        }

        AnsiConsole.Write(drifts);
        AnsiConsole.MarkupLine(comparison.HasRegressions
            ? $"[red]{comparison.Regressions.Count} verdict regressions, {comparison.DriftRegressions.Count} drift regressions[/]"
            : "[green]no regressions[/]");
    }
}
