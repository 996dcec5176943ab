using System.CommandLine;
using System.Globalization;
using Rig.Compare;
using Rig.Results;
using Rig.Runner;
using Rig.Store;
using Rig.Targets;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary>
/// <c>rig mutate</c>: the rig tests itself (DESIGN.md "Seeded defects"). The suites run on the reference
/// hypervisor clean and with each seeded defect, <c>--repeat</c> times each; every defect must be killed by a case that
/// failed on every repeat of it and never on the clean reference, and the clean reference must fail nothing, or the rig
/// either misses bugs, kills by luck, or cries wolf (exit 1).
/// </summary>
public static class MutateCommand
{
    public static Command Create()
    {
        var suite = new Option<string[]>("--suite") { Description = "Suites to run (default: every built suite)", AllowMultipleArgumentsPerToken = true };
        var defect = new Option<string[]>("--defect") { Description = "Only these defects (default: those rig-hv --list-defects names for the selected suites)", AllowMultipleArgumentsPerToken = true };
        var release = CommonOptions.Release();
        var store = CommonOptions.Store();
        var repeat = CommonOptions.Repeat("Run the clean reference and each defect N times; a kill must fail every time", 3);
        var json = CommonOptions.Json();
        var filter = new Option<string?>("--filter") { Description = "Glob on the case (as rig run --filter): the cases whose kills to check, e.g. density" };
        var command = new Command("mutate", "Run the suites on the reference hypervisor clean and with each seeded defect; print the kill matrix")
        {
            suite, defect, release, store, repeat, json, filter,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            if (parse.GetValue(json))
            {
                JsonOutput.Begin();
            }

            var environment = RigEnvironment.Load(parse.GetValue(release), parse.GetValue(store));
            var selection = Selection.Build(environment, parse.GetValue(suite), [KillMatrix.ReferenceTarget], parse.GetValue(filter), out var suites);
            return Execute(environment, suites, selection, CommonOptions.NameSet(parse.GetValue(defect)), CommonOptions.Repeats(parse.GetValue(repeat)), parse.GetValue(json));
        }));
        return command;
    }

    private static int Execute(RigEnvironment environment, IReadOnlyList<SuiteAssembly> suites, CaseSelection selection, IReadOnlySet<string>? only, int repeats, bool json)
    {
        if (!environment.Options.Targets.TryGetValue(KillMatrix.ReferenceTarget, out var options) || options.Kind != "reference")
        {
            throw new RigUsageException($"targets:{KillMatrix.ReferenceTarget}: rig mutate needs the reference hypervisor configured under this name");
        }

        var reference = new ReferenceTarget(KillMatrix.ReferenceTarget, options, environment.RepoRoot);
        if (reference.Probe() is { Available: false } unavailable)
        {
            throw new RigUsageException($"targets:{KillMatrix.ReferenceTarget}: unavailable: {unavailable.Reason}");
        }

        IReadOnlyList<(string Name, string Area)> defects;
        try
        {
            defects = reference.ListDefects();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new RigUsageException(e.Message);
        }

        var unknown = only?.Where(d => !defects.Any(known => known.Name == d)).ToList() ?? [];
        if (unknown.Count > 0)
        {
            throw new RigUsageException($"--defect: rig-hv has no defect {string.Join(", ", unknown)}; it has: {string.Join(", ", defects.Select(d => d.Name))}");
        }

        // Without --defect, the defects the selected suites exist to catch: an apic defect run against the time suite
        // can only survive, and would void the matrix.
        var chosen = defects.Where(d => only is null ? selection.SelectsSuite(d.Area) : only.Contains(d.Name)).Select(d => d.Name).ToList();
        if (chosen.Count == 0)
        {
            // Nothing to kill: a clean run alone proves no matrix, and "does not hold" would read as a defect that escaped.
            throw new RigUsageException(
                $"no seeded defect for {selection.Describe()}; rig-hv seeds defects for the suites: {string.Join(", ", defects.Select(d => d.Area).Distinct().Order(StringComparer.Ordinal))}");
        }

        using var store = environment.OpenStore();
        var release = environment.Release;
        var execution = new RunExecution(environment, store, release);

        // One row at a time: the kill matrix's verdicts were established on a quiet host, and a defect's run is
        // compared with the clean one, which must have seen the same conditions.
        var settings = new RunSettings(environment.Options.Profile, repeats, CommonOptions.SeedOrNew(null));
        var (cleanRun, _) = execution.Execute(suites, selection, Shard.Whole, settings, jobs: 1, defect: null);
        var mutateRuns = new List<(StoredRun, IReadOnlyList<CaseResult>)>();
        foreach (var name in chosen)
        {
            AnsiConsole.MarkupLine($"[blue]defect {Markup.Escape(name)}[/]");
            var (run, _) = execution.Execute(suites, selection, Shard.Whole, settings, jobs: 1, name);
            mutateRuns.Add((new StoredRun(run, DateTimeOffset.UtcNow), store.Results(run.RunId)));
        }

        var clean = ReleaseView.Merge(release, [(new StoredRun(cleanRun, DateTimeOffset.UtcNow), store.Results(cleanRun.RunId))]);
        var matrix = KillMatrix.From(clean, mutateRuns);
        Print(matrix);
        if (json)
        {
            JsonOutput.Write(JsonOutput.Mutate(matrix));
        }

        return matrix.Holds ? ExitCodes.Ok : ExitCodes.CasesFailedOrRegressed;
    }

    private static void Print(KillMatrix matrix)
    {
        var table = new Table().AddColumn("case").AddColumn("clean");
        foreach (var defect in matrix.Defects)
        {
            table.AddColumn(Markup.Escape(defect));
        }

        foreach (var @case in matrix.Cases)
        {
            var row = new List<string> { Markup.Escape(@case), LiveProgress.Badge(matrix.CleanReference.TryGetValue(@case, out var v) ? v : null) };
            row.AddRange(matrix.Defects.Select(d => matrix.Cell(d, @case) is { } cell ? LiveProgress.Badge(cell) : "-"));
            table.AddRow(row.ToArray());
        }

        AnsiConsole.Write(table);
        foreach (var defect in matrix.Defects)
        {
            var kills = matrix.Kills(defect);
            foreach (var kill in matrix.FailuresOn(defect))
            {
                string counted = kills.Contains(kill) ? "[green]killed[/]"
                    : kill.Deterministic ? "[red]not counted: the case fails on the clean reference[/]"
                    : "[yellow]not counted: failed on only some repeats[/]";
                AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Markup.Escape(defect)}: {Markup.Escape(kill.Case)} failed {kill.FailedRuns}/{kill.Runs}, case time {kill.CaseTime.TotalSeconds:0.0} s, {counted}"));
                AnsiConsole.MarkupLine($"  {Markup.Escape(kill.Evidence)}");
            }

            if (kills.Count == 0)
            {
                AnsiConsole.MarkupLine($"[red]defect {Markup.Escape(defect)} survived: no case failed on every repeat of it[/]");
            }
        }

        if (matrix.VoidReason is { } reason)
        {
            AnsiConsole.MarkupLine($"[red]the kill matrix is void: {Markup.Escape(reason)}[/]");
        }

        AnsiConsole.MarkupLine(matrix.Holds ? "[green]every defect killed, clean reference clean[/]" : "[red]the kill matrix does not hold[/]");
    }
}
