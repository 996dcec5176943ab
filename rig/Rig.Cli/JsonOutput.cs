using System.Text.Json;
using System.Text.Json.Serialization;
using Rig.Compare;
using Rig.Results;
using Spectre.Console;

namespace Rig.Cli;

/// <summary>
/// <c>--json</c>: one JSON document on stdout for scripts. Everything Spectre would print (progress, tables, notes)
/// goes to stderr instead, so stdout parses as it is; exit codes are those of the plain output.
/// </summary>
public static class JsonOutput
{
    /// <summary>Sends Spectre's output to stderr for the rest of the command, keeping stdout for the document.</summary>
    public static void Begin()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ConsoleWidth.Apply(console, Console.IsErrorRedirected, Environment.GetEnvironmentVariable("COLUMNS"));
        AnsiConsole.Console = console;
    }

    public static string Serialize<T>(T document)
        where T : notnull =>
        JsonSerializer.Serialize(document, typeof(T), JsonShapes.Default);

    /// <summary>Writes the document and a newline to stdout.</summary>
    public static void Write<T>(T document)
        where T : notnull
    {
        Console.Out.WriteLine(Serialize(document));
        Console.Out.Flush();
    }

    public static TargetsJson Targets(IEnumerable<TargetJson> targets) => new(targets.ToList());

    public static RunJson Run(RunInfo run, IReadOnlyList<CaseResult> results)
    {
        var counts = Enum.GetValues<Verdict>().ToDictionary(v => v.ToWire(), v => results.Count(r => r.Verdict == v));
        return new RunJson(
            run.RunId,
            run.Release,
            counts,
            run.Targets.Where(t => !t.Available).Select(t => new TargetJson(t.Name, null, false, t.Version, t.Reason)).ToList(),
            results.Select(r => new CaseResultJson(r.Suite, r.Case, r.Target, r.Verdict.ToWire(), r.Summary, r.Duration.TotalSeconds, r.Repeat)).ToList());
    }

    public static MutateJson Mutate(KillMatrix matrix) => new(
        matrix.Holds,
        matrix.VoidReason,
        matrix.Defects,
        matrix.Cases.Select(c => new KillRowJson(
            c,
            matrix.CleanReference.TryGetValue(c, out var clean) ? clean.ToWire() : null,
            matrix.Defects.ToDictionary(d => d, d => matrix.Cell(d, c)?.ToWire()))).ToList(),
        matrix.Defects.SelectMany(d => matrix.FailuresOn(d).Select(k => new KillJson(
            d, k.Case, k.FailedRuns, k.Runs, k.CaseTime.TotalSeconds, matrix.Kills(d).Contains(k), k.Evidence))).ToList(),
        matrix.Survivors);

    public static CompareJson Compare(Comparison comparison) => new(
        comparison.Release,
        comparison.Baseline,
        comparison.HasRegressions,
        comparison.Regressions.Select(r => new VerdictRegressionJson(
            r.Key.Suite, r.Key.Case, r.Key.Target, r.Baseline?.ToWire(), r.Current?.ToWire())).ToList(),
        comparison.DriftRegressions.Select(d => new DriftRegressionJson(
            d.Key.Suite, d.Key.Case, d.Key.Target, d.Metric, d.Unit, d.BaselineMedian, d.CurrentMedian, d.Limit, d.Test?.PValue)).ToList());
}

/// <summary><c>rig targets --json</c>.</summary>
public sealed record TargetsJson(IReadOnlyList<TargetJson> Targets);

/// <summary>One configured target (kind is null where only the run's record of it is known).</summary>
public sealed record TargetJson(string Name, string? Kind, bool Available, string Version, string? Reason);

/// <summary><c>rig run --json</c>: counts are keyed by verdict (ok, fail, skip, error).</summary>
public sealed record RunJson(
    string RunId,
    string Release,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<TargetJson> UnavailableTargets,
    IReadOnlyList<CaseResultJson> Results);

public sealed record CaseResultJson(string Suite, string Case, string Target, string Verdict, string Summary, double DurationS, int Repeat);

/// <summary><c>rig mutate --json</c>: the kill matrix, one row per case (cells keyed by defect; null: not run).</summary>
public sealed record MutateJson(
    bool Holds,
    string? VoidReason,
    IReadOnlyList<string> Defects,
    IReadOnlyList<KillRowJson> Rows,
    IReadOnlyList<KillJson> Failures,
    IReadOnlyList<string> Survivors);

public sealed record KillRowJson(string Case, string? Clean, IReadOnlyDictionary<string, string?> Cells);

public sealed record KillJson(string Defect, string Case, int FailedRuns, int Runs, double CaseTimeS, bool Counted, string Evidence);

/// <summary><c>rig compare --json</c>: the verdict and drift regressions that set the exit code.</summary>
public sealed record CompareJson(
    string Release,
    string Baseline,
    bool HasRegressions,
    IReadOnlyList<VerdictRegressionJson> Regressions,
    IReadOnlyList<DriftRegressionJson> DriftRegressions);

public sealed record VerdictRegressionJson(string Suite, string Case, string Target, string? Baseline, string? Current);

public sealed record DriftRegressionJson(
    string Suite,
    string Case,
    string Target,
    string Metric,
    string Unit,
    double BaselineMedian,
    double CurrentMedian,
    double Limit,
    double? PValue);

// NaN medians (a metric with no samples on one side) are written as "NaN" rather than failing the document.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TargetsJson))]
[JsonSerializable(typeof(RunJson))]
[JsonSerializable(typeof(MutateJson))]
[JsonSerializable(typeof(CompareJson))]
internal sealed partial class JsonShapes : JsonSerializerContext;
